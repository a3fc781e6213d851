// The receiving side of the frame format: opens frames of any sender of the session, classifies
// each into one outcome of docs/e2ee-frame-format.md section 6.1, keeps per-KID replay windows and
// reports mismatch and integrity episodes once each.
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
#include "replay_window.h"

namespace otc::e2ee {

struct OpenResult {
  otc_e2ee_outcome outcome = OTC_E2EE_MISMATCH;
  otc_e2ee_event event = OTC_E2EE_EVENT_NONE;
  size_t size = 0;  // bytes written to out when decrypted
};

struct OpenerStats {
  uint64_t decrypted = 0, mismatch = 0, integrity_failure = 0, replay = 0, bytes = 0;
  uint64_t mismatch_episodes = 0, integrity_episodes = 0, ratchets_followed = 0;
  bool in_mismatch = false;
  uint32_t last_epoch_id = 0;  // epoch of the last frame decrypted, 0 before any
};

class FrameOpener {
 public:
  static constexpr size_t kMaxSenders = 256;  // KIDs with cached keys and replay windows
  static constexpr size_t kMaxEvicted = 65536; // KIDs whose replay floor outlives their keys
  static constexpr int kMismatchEpisodeFrames = 3;

  FrameOpener(std::shared_ptr<KeyRing> ring, const CipherSuite &suite);
  ~FrameOpener();

  // out_capacity >= in.size(). Errors are about the call; the frame's fate is in the result.
  otc_status open(Codec codec, std::span<const uint8_t> in, uint8_t *out, size_t out_capacity,
                  OpenResult *result);

  OpenerStats stats();

 private:
  struct Sender {
    uint32_t epoch_id = 0;
    std::unique_ptr<Aead> aead;
    SecureBytes salt;
    ReplayWindow window;
    uint64_t last_used = 0;
  };
  otc_e2ee_outcome open_locked(Codec codec, std::span<const uint8_t> in, uint8_t *out,
                               size_t *out_size);
  void drop_erased_epochs_locked();
  void record_locked(otc_e2ee_outcome outcome, OpenResult *result);
  std::unique_ptr<Sender> make_sender(const Epoch &epoch, uint64_t kid);
  void insert_sender_locked(uint64_t kid, std::unique_ptr<Sender> sender);
  void remember_floor_locked(uint64_t kid, const Sender &sender);

  const std::shared_ptr<KeyRing> ring_;
  const CipherSuite &suite_;

  std::mutex mutex_;
  uint64_t seen_generation_ = ~uint64_t{0};
  uint64_t use_clock_ = 0;
  std::unordered_map<uint64_t, std::unique_ptr<Sender>> senders_;
  // Highest CTR accepted from senders whose state was dropped (evicted, or their epoch erased):
  // 16 bytes per KID keep their old frames from replaying if they come back.
  std::unordered_map<uint64_t, uint64_t> evicted_tops_;
  std::vector<uint8_t> scratch_;  // H.264: the unescaped frame
  int undecryptable_in_a_row_ = 0;
  bool in_integrity_episode_ = false;
  OpenerStats stats_;
};

}  // namespace otc::e2ee
