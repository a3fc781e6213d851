// docs/e2ee-frame-format.md sections 2 and 7: the epochs a participant holds. One epoch is current
// (senders use it); superseded epochs stay usable for receiving during a grace period and are then
// erased, which is what makes the ratchet forward-secret. Receivers that meet an unknown epoch look
// for it up to OTC_E2EE_MAX_RATCHET_STEPS ratchet steps ahead of every epoch they hold.
//
// Shared by every sealer and opener of a session; all methods are thread-safe. Users cache keys
// derived from an epoch and drop them when generation() moves and holds() says the epoch is gone.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "secure_bytes.h"

namespace otc::e2ee {

struct Epoch {
  uint32_t id = 0;
  SecureBytes base_key;
  uint64_t lineage = 0;   // which installed secret this epoch descends from
  uint32_t chain_pos = 0; // ratchet steps from that secret
};

class KeyRing {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxEpochs = 16;

  explicit KeyRing(std::chrono::milliseconds grace_period);
  ~KeyRing();

  // Makes base_key the current epoch (a new secret); the previous current one is superseded.
  // false if a derivation fails.
  bool install(SecureBytes base_key);
  // Makes the next ratchet step of the current epoch current. false without a current epoch.
  bool ratchet();

  std::shared_ptr<const Epoch> current();
  std::shared_ptr<const Epoch> find(uint32_t epoch_id);
  // An epoch reachable by 1..8 ratchet steps from a held one; not held until adopt() is called
  // (after a frame's tag proved it right).
  std::shared_ptr<const Epoch> find_by_ratchet(uint32_t epoch_id);
  // Holds candidate; it becomes current when it is ahead of the current epoch on the same
  // lineage. Returns true in that case (a ratchet the receiver followed).
  bool adopt(const std::shared_ptr<const Epoch> &candidate);

  bool holds(uint32_t epoch_id);
  size_t epochs_held();
  // Moves whenever the set of epochs or the current one changes, including erasures. Lock-free
  // unless an erasure is due: it is read for every frame.
  uint64_t generation();
  std::chrono::milliseconds grace_period() const { return grace_; }

 private:
  struct Record {
    std::shared_ptr<Epoch> epoch;
    std::optional<Clock::time_point> superseded_at;
    std::vector<std::shared_ptr<Epoch>> lookahead;  // next ratchet steps, computed on demand
  };
  void purge_locked(Clock::time_point now);
  void supersede_current_locked(Clock::time_point now);
  Record *find_locked(uint32_t epoch_id);
  void make_current_locked(std::shared_ptr<Epoch> epoch, Clock::time_point now);
  void bump() { generation_.fetch_add(1, std::memory_order_acq_rel); }

  const std::chrono::milliseconds grace_;
  std::mutex mutex_;
  std::vector<Record> records_;  // records_[current_] is current, when current_ is set
  std::optional<size_t> current_;
  uint64_t next_lineage_ = 1;
  std::atomic<uint64_t> generation_{0};
  // Earliest time a superseded epoch expires (Clock ticks), or max when none is superseded.
  std::atomic<int64_t> next_expiry_{INT64_MAX};
};

}  // namespace otc::e2ee
