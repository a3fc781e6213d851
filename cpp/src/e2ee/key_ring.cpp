#include "key_ring.h"

#include <otc/e2ee.h>

#include <algorithm>

#include "key_derivation.h"

namespace otc::e2ee {

namespace {

std::shared_ptr<Epoch> make_epoch(SecureBytes base_key, uint64_t lineage, uint32_t chain_pos) {
  auto id = derive_epoch_id(base_key.span());
  if (!id) return nullptr;
  auto epoch = std::make_shared<Epoch>();
  epoch->id = *id;
  epoch->base_key = std::move(base_key);
  epoch->lineage = lineage;
  epoch->chain_pos = chain_pos;
  return epoch;
}

std::shared_ptr<Epoch> next_epoch(const Epoch &epoch) {
  auto key = derive_ratchet_key(epoch.base_key.span());
  if (!key) return nullptr;
  return make_epoch(std::move(*key), epoch.lineage, epoch.chain_pos + 1);
}

}  // namespace

KeyRing::KeyRing(std::chrono::milliseconds grace_period) : grace_(grace_period) {}

KeyRing::~KeyRing() = default;  // Epoch keys are SecureBytes: wiped as the records go

KeyRing::Record *KeyRing::find_locked(uint32_t epoch_id) {
  for (auto &record : records_)
    if (record.epoch->id == epoch_id) return &record;
  return nullptr;
}

void KeyRing::purge_locked(Clock::time_point now) {
  const auto before = records_.size();
  std::optional<uint32_t> current_id;
  if (current_) current_id = records_[*current_].epoch->id;
  std::erase_if(records_, [&](const Record &r) {
    return r.superseded_at && now - *r.superseded_at >= grace_;
  });
  // Bound memory: beyond kMaxEpochs, the oldest superseded epochs go first.
  while (records_.size() > kMaxEpochs) {
    auto oldest = records_.end();
    for (auto it = records_.begin(); it != records_.end(); ++it)
      if (it->superseded_at && (oldest == records_.end() || *it->superseded_at < *oldest->superseded_at))
        oldest = it;
    if (oldest == records_.end()) break;
    records_.erase(oldest);
  }
  int64_t next_expiry = INT64_MAX;
  for (const auto &record : records_)
    if (record.superseded_at)
      next_expiry = std::min<int64_t>(next_expiry, (*record.superseded_at + grace_).time_since_epoch().count());
  next_expiry_.store(next_expiry, std::memory_order_release);
  if (records_.size() != before) {
    current_.reset();
    for (size_t i = 0; i < records_.size(); ++i)
      if (current_id && records_[i].epoch->id == *current_id) current_ = i;
    bump();
  }
}

void KeyRing::supersede_current_locked(Clock::time_point now) {
  if (current_) records_[*current_].superseded_at = now;
  current_.reset();
}

void KeyRing::make_current_locked(std::shared_ptr<Epoch> epoch, Clock::time_point now) {
  if (Record *held = find_locked(epoch->id)) {
    const size_t index = static_cast<size_t>(held - records_.data());
    if (current_ && *current_ == index) return;
    supersede_current_locked(now);
    // An epoch with this id held already: it is the same key unless 32-bit ids collided, in
    // which case the newer key wins.
    held->epoch = std::move(epoch);
    held->lookahead.clear();
    held->superseded_at.reset();
    current_ = index;
  } else {
    supersede_current_locked(now);
    records_.push_back(Record{std::move(epoch), std::nullopt, {}});
    current_ = records_.size() - 1;
  }
  bump();
  purge_locked(now);
}

bool KeyRing::install(SecureBytes base_key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto epoch = make_epoch(std::move(base_key), next_lineage_++, 0);
  if (!epoch) return false;
  make_current_locked(std::move(epoch), Clock::now());
  return true;
}

bool KeyRing::ratchet() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = Clock::now();
  purge_locked(now);
  if (!current_) return false;
  auto next = next_epoch(*records_[*current_].epoch);
  if (!next) return false;
  make_current_locked(std::move(next), now);
  return true;
}

std::shared_ptr<const Epoch> KeyRing::current() {
  std::lock_guard<std::mutex> lock(mutex_);
  purge_locked(Clock::now());
  if (!current_) return nullptr;
  return records_[*current_].epoch;
}

std::shared_ptr<const Epoch> KeyRing::find(uint32_t epoch_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  purge_locked(Clock::now());
  Record *record = find_locked(epoch_id);
  return record ? record->epoch : nullptr;
}

std::shared_ptr<const Epoch> KeyRing::find_by_ratchet(uint32_t epoch_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  purge_locked(Clock::now());
  for (auto &record : records_) {
    if (record.lookahead.empty()) {
      const Epoch *from = record.epoch.get();
      for (uint32_t step = 0; step < OTC_E2EE_MAX_RATCHET_STEPS; ++step) {
        auto next = next_epoch(*from);
        if (!next) break;
        record.lookahead.push_back(std::move(next));
        from = record.lookahead.back().get();
      }
    }
    for (const auto &candidate : record.lookahead)
      if (candidate->id == epoch_id) return candidate;
  }
  return nullptr;
}

bool KeyRing::adopt(const std::shared_ptr<const Epoch> &candidate) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = Clock::now();
  purge_locked(now);
  if (find_locked(candidate->id)) return false;
  auto copy = std::make_shared<Epoch>();
  copy->id = candidate->id;
  copy->base_key = candidate->base_key;
  copy->lineage = candidate->lineage;
  copy->chain_pos = candidate->chain_pos;
  const Epoch *current = current_ ? records_[*current_].epoch.get() : nullptr;
  if (current && copy->lineage == current->lineage && copy->chain_pos > current->chain_pos) {
    make_current_locked(std::move(copy), now);
    return true;
  }
  // A ratchet step of an older epoch (a sender still behind us): usable until the grace ends.
  records_.push_back(Record{std::move(copy), now, {}});
  bump();
  purge_locked(now);
  return false;
}

bool KeyRing::holds(uint32_t epoch_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  purge_locked(Clock::now());
  return find_locked(epoch_id) != nullptr;
}

size_t KeyRing::epochs_held() {
  std::lock_guard<std::mutex> lock(mutex_);
  purge_locked(Clock::now());
  return records_.size();
}

uint64_t KeyRing::generation() {
  // Erasures are lazy: when one is due, the next frame's check performs it, even if nothing else
  // touches the ring.
  if (Clock::now().time_since_epoch().count() >= next_expiry_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(mutex_);
    purge_locked(Clock::now());
  }
  return generation_.load(std::memory_order_acquire);
}

}  // namespace otc::e2ee
