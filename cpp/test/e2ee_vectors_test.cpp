// Every case of the published SFrame test vectors (test/vectors/), through the public C API:
// header encodings, the AEADs alone, and full SFrame protect/unprotect with the key schedule.
// Each vector case is its own test, so ctest counts them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <string>

#include "test_support.h"

using nlohmann::json;
using namespace otc_test;

namespace {

constexpr int kHeaderCases = 289;
constexpr int kRfcAeadCases = 3;
constexpr int kAes256AeadCases = 3;
constexpr int kRfcFullCases = 5;
constexpr int kAes256FullCases = 3;

std::string vector_path(const std::string &file) { return std::string(OTC_VECTORS_DIR) + "/" + file; }

// Parsed vector files, loaded once. A missing or unparsable file throws, which fails every test
// that needs it (loudly, with the path).
const json &vector_file(const std::string &file) {
  static std::mutex mutex;
  static std::map<std::string, json> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(file);
  if (it == cache.end()) it = cache.emplace(file, json::parse(read_text_file(vector_path(file)))).first;
  return it->second;
}

const json &vector_case(const std::string &file, const std::string &key, size_t index) {
  const json &doc = vector_file(file);
  if (!doc.contains(key) || !doc[key].is_array())
    throw std::runtime_error(file + " has no array \"" + key + "\"");
  if (index >= doc[key].size())
    throw std::runtime_error(file + ":" + key + " has only " + std::to_string(doc[key].size()) +
                             " cases, case " + std::to_string(index) + " is missing");
  return doc[key][index];
}

// kid and ctr reach 2^64-1: they must have been parsed as exact unsigned integers, not doubles.
uint64_t u64(const json &j, const char *field) {
  const json &v = j.at(field);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    throw std::runtime_error(std::string(field) + " is not an exact non-negative integer: " + v.dump());
  return v.get<uint64_t>();
}

Bytes hex_field(const json &j, const char *field) { return from_hex(j.at(field).get<std::string>()); }

// ---------------------------------------------------------------------------------------------
// The files themselves: present, with the expected number of cases.

TEST(VectorFiles, Rfc9605FileHasAllCases) {
  const json &doc = vector_file("sframe-rfc9605.json");
  ASSERT_TRUE(doc.contains("header"));
  ASSERT_TRUE(doc.contains("aes_ctr_hmac"));
  ASSERT_TRUE(doc.contains("sframe"));
  EXPECT_EQ(doc["header"].size(), size_t{kHeaderCases});
  EXPECT_EQ(doc["aes_ctr_hmac"].size(), size_t{kRfcAeadCases});
  EXPECT_EQ(doc["sframe"].size(), size_t{kRfcFullCases});
}

TEST(VectorFiles, Aes256AeadFileHasAllCases) {
  const json &doc = vector_file("aes256-ctr-hmac-aead.json");
  ASSERT_TRUE(doc.contains("aes_256_ctr_hmac"));
  EXPECT_EQ(doc["aes_256_ctr_hmac"].size(), size_t{kAes256AeadCases});
}

TEST(VectorFiles, Aes256FullFileHasAllCases) {
  const json &doc = vector_file("sframe-aes256-ctr-hmac.json");
  ASSERT_TRUE(doc.contains("sframe_aes_256_ctr_hmac"));
  EXPECT_EQ(doc["sframe_aes_256_ctr_hmac"].size(), size_t{kAes256FullCases});
}

// The reader must not round 64-bit values (a plain double would turn 2^64-1 into 2^64).
TEST(VectorFiles, SixtyFourBitValuesAreParsedExactly) {
  const std::string text = read_text_file(vector_path("sframe-rfc9605.json"));
  ASSERT_NE(text.find("18446744073709551615"), std::string::npos);
  ASSERT_NE(text.find("72057594037927935"), std::string::npos);
  const json &headers = vector_file("sframe-rfc9605.json")["header"];
  bool saw_max = false, saw_2_56_minus_1 = false, saw_2_56 = false;
  size_t above_2_53 = 0;
  for (const json &h : headers) {
    for (const char *field : {"kid", "ctr"}) {
      ASSERT_TRUE(h[field].is_number_unsigned()) << h.dump();
      const uint64_t v = h[field].get<uint64_t>();
      saw_max |= v == UINT64_MAX;
      saw_2_56_minus_1 |= v == (uint64_t{1} << 56) - 1;
      saw_2_56 |= v == (uint64_t{1} << 56);
      if (v > (uint64_t{1} << 53)) ++above_2_53;
    }
    // Independent check of the parse: the value is what the encoded bytes say. The config byte
    // and the big-endian fields are read here without the library.
    const Bytes enc = hex_field(h, "encoded");
    ASSERT_FALSE(enc.empty());
    size_t pos = 1;
    auto field = [&](uint8_t nibble) -> uint64_t {
      if (!(nibble & 8)) return nibble & 7;
      uint64_t v = 0;
      for (size_t i = 0; i < (nibble & 7u) + 1u; ++i) v = (v << 8) | enc.at(pos++);
      return v;
    };
    const uint64_t kid = field(enc[0] >> 4);
    const uint64_t ctr = field(enc[0] & 0x0F);
    EXPECT_EQ(kid, h["kid"].get<uint64_t>()) << h.dump();
    EXPECT_EQ(ctr, h["ctr"].get<uint64_t>()) << h.dump();
    EXPECT_EQ(pos, enc.size()) << h.dump();
  }
  EXPECT_TRUE(saw_max);
  EXPECT_TRUE(saw_2_56_minus_1);
  EXPECT_TRUE(saw_2_56);
  EXPECT_GT(above_2_53, 0u);
}

// ---------------------------------------------------------------------------------------------
// Header encodings (RFC 9605 section 4.3): encode gives the bytes, decode gives the values back.

class HeaderVector : public ::testing::TestWithParam<int> {};

TEST_P(HeaderVector, EncodesAndDecodes) {
  const json &v = vector_case("sframe-rfc9605.json", "header", static_cast<size_t>(GetParam()));
  const uint64_t kid = u64(v, "kid"), ctr = u64(v, "ctr");
  const Bytes expected = hex_field(v, "encoded");
  SCOPED_TRACE(v.dump());

  uint8_t out[OTC_SFRAME_MAX_HEADER_SIZE + 8];
  std::memset(out, 0xEE, sizeof out);
  size_t size = 0;
  ASSERT_EQ(otc_sframe_header_encode(kid, ctr, out, OTC_SFRAME_MAX_HEADER_SIZE, &size), OTC_SUCCESS);
  EXPECT_EQ(to_hex(out, size), to_hex(expected));
  EXPECT_EQ(out[OTC_SFRAME_MAX_HEADER_SIZE], 0xEE) << "wrote past the capacity";

  // Exactly the needed capacity is enough; one byte less is refused.
  size = 0;
  EXPECT_EQ(otc_sframe_header_encode(kid, ctr, out, expected.size(), &size), OTC_SUCCESS);
  EXPECT_EQ(size, expected.size());
  EXPECT_EQ(otc_sframe_header_encode(kid, ctr, out, expected.size() - 1, &size),
            OTC_E2EE_BUFFER_TOO_SMALL);

  uint64_t dkid = ~kid, dctr = ~ctr;
  size_t used = 0;
  ASSERT_EQ(otc_sframe_header_decode(expected.data(), expected.size(), &dkid, &dctr, &used), OTC_SUCCESS);
  EXPECT_EQ(dkid, kid);
  EXPECT_EQ(dctr, ctr);
  EXPECT_EQ(used, expected.size());

  // Followed by payload bytes: the header still takes exactly its own bytes.
  Bytes with_payload = expected;
  with_payload.insert(with_payload.end(), {0xAB, 0xCD, 0x00, 0xFF});
  used = 0;
  ASSERT_EQ(otc_sframe_header_decode(with_payload.data(), with_payload.size(), &dkid, &dctr, &used),
            OTC_SUCCESS);
  EXPECT_EQ(dkid, kid);
  EXPECT_EQ(dctr, ctr);
  EXPECT_EQ(used, expected.size());

  // Every truncation is malformed.
  for (size_t n = 0; n < expected.size(); ++n)
    EXPECT_EQ(otc_sframe_header_decode(expected.data(), n, &dkid, &dctr, &used), OTC_E2EE_MALFORMED)
        << "truncated to " << n << " bytes";
}

INSTANTIATE_TEST_SUITE_P(Rfc9605, HeaderVector, ::testing::Range(0, kHeaderCases),
                         [](const ::testing::TestParamInfo<int> &info) {
                           char name[16];
                           std::snprintf(name, sizeof name, "case_%03d", info.param);
                           return std::string(name);
                         });

// ---------------------------------------------------------------------------------------------
// The AEADs alone (RFC 9605 section 4.5), suites 1-3 (RFC) and 6-8 (AES-256-CTR + HMAC-SHA-512).

struct AeadCase {
  const char *file;
  const char *key;
  int index;
  int suite;  // what the case must say
  const char *name;
};

void PrintTo(const AeadCase &c, std::ostream *os) { *os << c.name; }

class AeadVector : public ::testing::TestWithParam<AeadCase> {};

TEST_P(AeadVector, SealsOpensAndRejectsTampering) {
  const AeadCase &p = GetParam();
  const json &v = vector_case(p.file, p.key, static_cast<size_t>(p.index));
  SCOPED_TRACE(v.dump());
  const int suite_id = v.at("cipher_suite").get<int>();
  ASSERT_EQ(suite_id, p.suite);
  const auto suite = static_cast<otc_e2ee_suite>(suite_id);
  const Bytes key = hex_field(v, "key"), nonce = hex_field(v, "nonce"), aad = hex_field(v, "aad"),
              pt = hex_field(v, "pt"), ct = hex_field(v, "ct");
  // The vector's own consistency: key = enc_key || auth_key, ct = ciphertext || tag.
  Bytes split = hex_field(v, "enc_key");
  const Bytes auth = hex_field(v, "auth_key");
  split.insert(split.end(), auth.begin(), auth.end());
  ASSERT_EQ(to_hex(split), to_hex(key));
  ASSERT_EQ(ct.size(), pt.size() + kTagSize[suite_id]);

  Bytes out(ct.size() + 4, 0xEE);
  size_t n = 0;
  ASSERT_EQ(otc_sframe_aead_seal(suite, key.data(), key.size(), nonce.data(), nonce.size(), aad.data(),
                                 aad.size(), pt.data(), pt.size(), out.data(), out.size(), &n),
            OTC_SUCCESS);
  ASSERT_EQ(n, ct.size());
  EXPECT_EQ(to_hex(out.data(), n), to_hex(ct));
  EXPECT_EQ(out[ct.size()], 0xEE);

  // Output capacity one byte short.
  EXPECT_EQ(otc_sframe_aead_seal(suite, key.data(), key.size(), nonce.data(), nonce.size(), aad.data(),
                                 aad.size(), pt.data(), pt.size(), out.data(), ct.size() - 1, &n),
            OTC_E2EE_BUFFER_TOO_SMALL);

  Bytes back(pt.size() + 4, 0xEE);
  n = 0;
  ASSERT_EQ(otc_sframe_aead_open(suite, key.data(), key.size(), nonce.data(), nonce.size(), aad.data(),
                                 aad.size(), ct.data(), ct.size(), back.data(), back.size(), &n),
            OTC_SUCCESS);
  ASSERT_EQ(n, pt.size());
  EXPECT_EQ(to_hex(back.data(), n), to_hex(pt));

  // Tampered tag, ciphertext, aad or nonce: rejected, and nothing written to out.
  auto expect_rejected = [&](const Bytes &k, const Bytes &nn, const Bytes &a, const Bytes &c,
                             const char *what) {
    Bytes sink(pt.size() + 4, 0x5A);
    size_t m = 777;
    EXPECT_EQ(otc_sframe_aead_open(suite, k.data(), k.size(), nn.data(), nn.size(), a.data(), a.size(),
                                   c.data(), c.size(), sink.data(), sink.size(), &m),
              OTC_E2EE_AUTHENTICATION_FAILED)
        << what;
    EXPECT_EQ(to_hex(sink), to_hex(Bytes(pt.size() + 4, 0x5A))) << what << ": out was written";
  };
  Bytes bad = ct;
  bad.back() ^= 0x01;
  expect_rejected(key, nonce, aad, bad, "last tag byte flipped");
  bad = ct;
  bad[pt.size()] ^= 0x80;
  expect_rejected(key, nonce, aad, bad, "first tag byte flipped");
  bad = ct;
  bad[0] ^= 0x01;
  expect_rejected(key, nonce, aad, bad, "ciphertext flipped");
  Bytes bad_aad = aad;
  bad_aad[0] ^= 0x01;
  expect_rejected(key, nonce, bad_aad, ct, "aad flipped");
  Bytes bad_nonce = nonce;
  bad_nonce.back() ^= 0x01;
  expect_rejected(key, bad_nonce, aad, ct, "nonce flipped");
  Bytes bad_key = key;
  bad_key.back() ^= 0x01;  // the HMAC key half
  expect_rejected(bad_key, nonce, aad, ct, "auth key flipped");
}

INSTANTIATE_TEST_SUITE_P(
    Suites, AeadVector,
    ::testing::Values(AeadCase{"sframe-rfc9605.json", "aes_ctr_hmac", 0, 1, "rfc9605_suite1"},
                      AeadCase{"sframe-rfc9605.json", "aes_ctr_hmac", 1, 2, "rfc9605_suite2"},
                      AeadCase{"sframe-rfc9605.json", "aes_ctr_hmac", 2, 3, "rfc9605_suite3"},
                      AeadCase{"aes256-ctr-hmac-aead.json", "aes_256_ctr_hmac", 0, 6, "aes256_suite6"},
                      AeadCase{"aes256-ctr-hmac-aead.json", "aes_256_ctr_hmac", 1, 7, "aes256_suite7"},
                      AeadCase{"aes256-ctr-hmac-aead.json", "aes_256_ctr_hmac", 2, 8, "aes256_suite8"}),
    [](const ::testing::TestParamInfo<AeadCase> &info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------------------------
// Full SFrame (RFC 9605 layout header || ciphertext || tag): key schedule, protect, unprotect.

class FullVector : public ::testing::TestWithParam<AeadCase> {};

TEST_P(FullVector, KeyScheduleProtectUnprotect) {
  const AeadCase &p = GetParam();
  const json &v = vector_case(p.file, p.key, static_cast<size_t>(p.index));
  SCOPED_TRACE(v.dump());
  const int suite_id = v.at("cipher_suite").get<int>();
  ASSERT_EQ(suite_id, p.suite);
  const auto suite = static_cast<otc_e2ee_suite>(suite_id);
  const uint64_t kid = u64(v, "kid"), ctr = u64(v, "ctr");
  const Bytes base_key = hex_field(v, "base_key"), metadata = hex_field(v, "metadata"),
              pt = hex_field(v, "pt"), ct = hex_field(v, "ct"), sframe_key = hex_field(v, "sframe_key"),
              sframe_salt = hex_field(v, "sframe_salt"), nonce = hex_field(v, "nonce"),
              aad = hex_field(v, "aad");

  // Key schedule.
  uint8_t key[128], salt[32];
  size_t key_size = 0, salt_size = 0;
  ASSERT_EQ(otc_sframe_derive_key(suite, base_key.data(), base_key.size(), kid, key, sizeof key,
                                  &key_size, salt, sizeof salt, &salt_size),
            OTC_SUCCESS);
  EXPECT_EQ(to_hex(key, key_size), to_hex(sframe_key));
  EXPECT_EQ(to_hex(salt, salt_size), to_hex(sframe_salt));
  // Exact capacities suffice, one less does not.
  EXPECT_EQ(otc_sframe_derive_key(suite, base_key.data(), base_key.size(), kid, key, sframe_key.size(),
                                  &key_size, salt, sframe_salt.size(), &salt_size),
            OTC_SUCCESS);
  EXPECT_EQ(otc_sframe_derive_key(suite, base_key.data(), base_key.size(), kid, key,
                                  sframe_key.size() - 1, &key_size, salt, sizeof salt, &salt_size),
            OTC_E2EE_BUFFER_TOO_SMALL);
  EXPECT_EQ(otc_sframe_derive_key(suite, base_key.data(), base_key.size(), kid, key, sizeof key,
                                  &key_size, salt, sframe_salt.size() - 1, &salt_size),
            OTC_E2EE_BUFFER_TOO_SMALL);

  // nonce = salt XOR BE(ctr, Nn), and aad = header || metadata (the vector's own values).
  Bytes my_nonce = sframe_salt;
  for (size_t i = 0; i < 8; ++i) my_nonce[my_nonce.size() - 1 - i] ^= static_cast<uint8_t>(ctr >> (8 * i));
  EXPECT_EQ(to_hex(my_nonce), to_hex(nonce));
  uint8_t header[OTC_SFRAME_MAX_HEADER_SIZE];
  size_t header_size = 0;
  ASSERT_EQ(otc_sframe_header_encode(kid, ctr, header, sizeof header, &header_size), OTC_SUCCESS);
  Bytes my_aad(header, header + header_size);
  my_aad.insert(my_aad.end(), metadata.begin(), metadata.end());
  EXPECT_EQ(to_hex(my_aad), to_hex(aad));
  ASSERT_GE(ct.size(), header_size);
  EXPECT_EQ(to_hex(ct.data(), header_size), to_hex(header, header_size));

  // The AEAD alone with the derived key gives the ciphertext part (this covers GCM suites 4, 5,
  // which have no AEAD-only vectors).
  {
    Bytes body(pt.size() + 16);
    size_t n = 0;
    ASSERT_EQ(otc_sframe_aead_seal(suite, sframe_key.data(), sframe_key.size(), nonce.data(),
                                   nonce.size(), aad.data(), aad.size(), pt.data(), pt.size(),
                                   body.data(), body.size(), &n),
              OTC_SUCCESS);
    EXPECT_EQ(to_hex(body.data(), n), to_hex(ct.data() + header_size, ct.size() - header_size));
  }

  // Protect.
  Bytes out(ct.size() + 8, 0xEE);
  size_t n = 0;
  ASSERT_EQ(otc_sframe_protect(suite, base_key.data(), base_key.size(), kid, ctr, metadata.data(),
                               metadata.size(), pt.data(), pt.size(), out.data(), out.size(), &n),
            OTC_SUCCESS);
  ASSERT_EQ(n, ct.size());
  EXPECT_EQ(to_hex(out.data(), n), to_hex(ct));
  EXPECT_EQ(out[ct.size()], 0xEE);
  EXPECT_EQ(otc_sframe_protect(suite, base_key.data(), base_key.size(), kid, ctr, metadata.data(),
                               metadata.size(), pt.data(), pt.size(), out.data(), ct.size() - 1, &n),
            OTC_E2EE_BUFFER_TOO_SMALL);

  // Unprotect.
  Bytes back(pt.size() + 8, 0xEE);
  uint64_t got_kid = ~kid, got_ctr = ~ctr;
  n = 0;
  ASSERT_EQ(otc_sframe_unprotect(suite, base_key.data(), base_key.size(), metadata.data(),
                                 metadata.size(), ct.data(), ct.size(), back.data(), back.size(), &n,
                                 &got_kid, &got_ctr),
            OTC_SUCCESS);
  ASSERT_EQ(n, pt.size());
  EXPECT_EQ(to_hex(back.data(), n), to_hex(pt));
  EXPECT_EQ(got_kid, kid);
  EXPECT_EQ(got_ctr, ctr);

  // Tampering anywhere (header, ciphertext, tag, metadata) is rejected.
  for (size_t i = 0; i < ct.size(); ++i) {
    Bytes bad = ct;
    bad[i] ^= 0x04;
    const otc_status st =
        otc_sframe_unprotect(suite, base_key.data(), base_key.size(), metadata.data(), metadata.size(),
                             bad.data(), bad.size(), back.data(), back.size(), &n, nullptr, nullptr);
    EXPECT_TRUE(st == OTC_E2EE_AUTHENTICATION_FAILED || st == OTC_E2EE_MALFORMED)
        << "byte " << i << ": " << otc_error_name(st);
  }
  Bytes bad_metadata = metadata;
  bad_metadata[0] ^= 1;
  EXPECT_EQ(otc_sframe_unprotect(suite, base_key.data(), base_key.size(), bad_metadata.data(),
                                 bad_metadata.size(), ct.data(), ct.size(), back.data(), back.size(),
                                 &n, nullptr, nullptr),
            OTC_E2EE_AUTHENTICATION_FAILED);
  // Unprotect under another suite of the same family fails too (the suite is in the key labels).
  const int other = suite_id == 1 ? 2 : (suite_id == 6 ? 7 : suite_id - 1);
  EXPECT_NE(otc_sframe_unprotect(static_cast<otc_e2ee_suite>(other), base_key.data(), base_key.size(),
                                 metadata.data(), metadata.size(), ct.data(), ct.size(), back.data(),
                                 back.size(), &n, nullptr, nullptr),
            OTC_SUCCESS);
}

INSTANTIATE_TEST_SUITE_P(
    Suites, FullVector,
    ::testing::Values(AeadCase{"sframe-rfc9605.json", "sframe", 0, 1, "rfc9605_suite1"},
                      AeadCase{"sframe-rfc9605.json", "sframe", 1, 2, "rfc9605_suite2"},
                      AeadCase{"sframe-rfc9605.json", "sframe", 2, 3, "rfc9605_suite3"},
                      AeadCase{"sframe-rfc9605.json", "sframe", 3, 4, "rfc9605_suite4"},
                      AeadCase{"sframe-rfc9605.json", "sframe", 4, 5, "rfc9605_suite5"},
                      AeadCase{"sframe-aes256-ctr-hmac.json", "sframe_aes_256_ctr_hmac", 0, 6, "aes256_suite6"},
                      AeadCase{"sframe-aes256-ctr-hmac.json", "sframe_aes_256_ctr_hmac", 1, 7, "aes256_suite7"},
                      AeadCase{"sframe-aes256-ctr-hmac.json", "sframe_aes_256_ctr_hmac", 2, 8, "aes256_suite8"}),
    [](const ::testing::TestParamInfo<AeadCase> &info) { return std::string(info.param.name); });

}  // namespace
