#include <gtest/gtest.h>
#include <otc/otc.h>
#include <vector>
TEST(Smoke, RoundTrip) {
  otc_status st;
  auto *c = otc_frame_cryptor_new("sess", "correct horse battery", nullptr, &st);
  ASSERT_EQ(st, OTC_SUCCESS);
  std::vector<uint8_t> in(1200, 0x42), out(2000), back(2000);
  size_t n = 0, m = 0;
  ASSERT_EQ(otc_frame_cryptor_seal(c, OTC_E2EE_CODEC_VP8, 0, in.data(), in.size(), out.data(), out.size(), &n), OTC_SUCCESS);
  otc_e2ee_outcome o; otc_e2ee_event e;
  ASSERT_EQ(otc_frame_cryptor_open(c, OTC_E2EE_CODEC_VP8, out.data(), n, back.data(), back.size(), &m, &o, &e), OTC_SUCCESS);
  EXPECT_EQ(o, OTC_E2EE_DECRYPTED);
  EXPECT_EQ(m, in.size());
  EXPECT_EQ(0, memcmp(in.data(), back.data(), m));
  otc_frame_cryptor_delete(c);
}
