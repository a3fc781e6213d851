#include "cipher_suite.h"

#include <array>
#include <mutex>
#include <string>
#include <unordered_map>

namespace otc::e2ee {

namespace {

constexpr std::array<CipherSuite, 8> kSuites = {{
    {1, false, 16, 48, 12, 10, "SHA256", "AES-128-CTR"},
    {2, false, 16, 48, 12, 8, "SHA256", "AES-128-CTR"},
    {3, false, 16, 48, 12, 4, "SHA256", "AES-128-CTR"},
    {4, true, 16, 16, 12, 16, "SHA256", "AES-128-GCM"},
    {5, true, 32, 32, 12, 16, "SHA512", "AES-256-GCM"},
    {6, false, 32, 96, 12, 10, "SHA512", "AES-256-CTR"},
    {7, false, 32, 96, 12, 8, "SHA512", "AES-256-CTR"},
    {8, false, 32, 96, 12, 4, "SHA512", "AES-256-CTR"},
}};

// Fetched algorithms live for the process: the maps only grow to the handful of names above.
// They are never destroyed (freeing after OpenSSL's own exit handler ran would be unsafe), and
// stay reachable, so leak checkers do not count them.
std::mutex g_fetch_mutex;
auto &g_digests = *new std::unordered_map<std::string, EVP_MD *>;
auto &g_ciphers = *new std::unordered_map<std::string, EVP_CIPHER *>;

}  // namespace

const CipherSuite *find_cipher_suite(uint16_t id) {
  for (const auto &suite : kSuites)
    if (suite.id == id) return &suite;
  return nullptr;
}

const EVP_MD *fetch_digest(const char *name) {
  std::lock_guard<std::mutex> lock(g_fetch_mutex);
  auto &slot = g_digests[name];
  if (!slot) slot = EVP_MD_fetch(nullptr, name, nullptr);
  return slot;
}

const EVP_CIPHER *fetch_cipher(const char *name) {
  std::lock_guard<std::mutex> lock(g_fetch_mutex);
  auto &slot = g_ciphers[name];
  if (!slot) slot = EVP_CIPHER_fetch(nullptr, name, nullptr);
  return slot;
}

}  // namespace otc::e2ee
