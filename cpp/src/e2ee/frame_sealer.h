// The sending side of the frame format for one track: picks the current epoch of the key ring,
// keeps this track's per-KID frame counters and seals frames.
#pragma once

#include <otc/e2ee.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "aead.h"
#include "codec_prefix.h"
#include "key_ring.h"

namespace otc::e2ee {

class FrameSealer {
 public:
  // sender_id 0 draws a random one from OpenSSL's CSPRNG.
  FrameSealer(std::shared_ptr<KeyRing> ring, const CipherSuite &suite, uint32_t sender_id = 0);
  ~FrameSealer();

  // out must not overlap in; out_capacity >= max_sealed_size(codec, in.size()).
  otc_status seal(Codec codec, std::span<const uint8_t> in, uint8_t *out, size_t out_capacity,
                  size_t *out_size);

  uint32_t sender_id() const { return sender_id_; }
  uint64_t frames_sealed() const { return frames_.load(std::memory_order_relaxed); }
  uint64_t bytes_sealed() const { return bytes_.load(std::memory_order_relaxed); }
  // The epoch the last frame used (0 before the first frame).
  uint32_t epoch_in_use() const { return epoch_in_use_.load(std::memory_order_relaxed); }

 private:
  bool refresh_key_locked();

  const std::shared_ptr<KeyRing> ring_;
  const CipherSuite &suite_;
  const uint32_t sender_id_;

  std::mutex mutex_;
  uint64_t seen_generation_ = ~uint64_t{0};
  uint32_t epoch_id_ = 0;
  std::unique_ptr<Aead> aead_;
  SecureBytes salt_;
  // Never reset: a secret set again yields the same epoch id and so the same KID, and a
  // (KID, CTR) pair must never repeat.
  std::unordered_map<uint32_t, uint64_t> next_ctr_;
  std::vector<uint8_t> scratch_;  // H.264: the part that gets escaped

  std::atomic<uint64_t> frames_{0}, bytes_{0};
  std::atomic<uint32_t> epoch_in_use_{0};
};

uint32_t random_sender_id();

}  // namespace otc::e2ee
