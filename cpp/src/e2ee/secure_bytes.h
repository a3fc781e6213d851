// Byte buffers for key material: wiped with OPENSSL_cleanse whenever their contents are
// released (destruction, assignment, clear), so no key outlives its owner in freed memory.
#pragma once

#include <openssl/crypto.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace otc::e2ee {

class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(size_t size) : bytes_(size, 0) {}
  explicit SecureBytes(std::span<const uint8_t> data) : bytes_(data.begin(), data.end()) {}
  SecureBytes(const SecureBytes &other) : bytes_(other.bytes_) {}
  SecureBytes(SecureBytes &&other) noexcept : bytes_(std::move(other.bytes_)) { other.bytes_.clear(); }
  SecureBytes &operator=(const SecureBytes &other) {
    if (this != &other) {
      wipe();
      bytes_ = other.bytes_;
    }
    return *this;
  }
  SecureBytes &operator=(SecureBytes &&other) noexcept {
    if (this != &other) {
      wipe();
      bytes_ = std::move(other.bytes_);
      other.bytes_.clear();
    }
    return *this;
  }
  ~SecureBytes() { wipe(); }

  // Zeroes the bytes in place and empties the buffer (the storage is released wiped).
  void wipe() {
    if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
    bytes_.clear();
    bytes_.shrink_to_fit();
  }

  uint8_t *data() { return bytes_.data(); }
  const uint8_t *data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  std::span<const uint8_t> span() const { return {bytes_.data(), bytes_.size()}; }
  std::span<uint8_t> span() { return {bytes_.data(), bytes_.size()}; }
  bool operator==(const SecureBytes &other) const {
    return bytes_.size() == other.bytes_.size() &&
           CRYPTO_memcmp(bytes_.data(), other.bytes_.data(), bytes_.size()) == 0;
  }

 private:
  std::vector<uint8_t> bytes_;
};

// A secret passphrase, wiped like SecureBytes.
class SecureString {
 public:
  SecureString() = default;
  explicit SecureString(std::string_view text) : text_(text) {}
  SecureString(const SecureString &) = delete;
  SecureString &operator=(const SecureString &) = delete;
  SecureString(SecureString &&other) noexcept { swap(other); }
  SecureString &operator=(SecureString &&other) noexcept {
    if (this != &other) {
      wipe();
      swap(other);
    }
    return *this;
  }
  ~SecureString() { wipe(); }

  void wipe() {
    // std::string keeps short strings inline; cleanse the whole capacity either way.
    if (text_.capacity() > 0) OPENSSL_cleanse(text_.data(), text_.capacity());
    text_.clear();
  }
  std::string_view view() const { return text_; }
  bool empty() const { return text_.empty(); }

 private:
  // Swapping short (inline) strings copies bytes; whatever stays behind in other's buffer is
  // cleansed by other's wipe(), which covers its whole capacity.
  void swap(SecureString &other) noexcept { text_.swap(other.text_); }
  std::string text_;
};

}  // namespace otc::e2ee
