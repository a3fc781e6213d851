#include "frame_opener.h"

#include <openssl/crypto.h>

#include <array>
#include <cstring>

#include "frame_layout.h"
#include "h264_escape.h"
#include "key_derivation.h"
#include "sframe_header.h"

namespace otc::e2ee {

FrameOpener::FrameOpener(std::shared_ptr<KeyRing> ring, const CipherSuite &suite)
    : ring_(std::move(ring)), suite_(suite) {}

FrameOpener::~FrameOpener() = default;

void FrameOpener::drop_erased_epochs_locked() {
  const uint64_t generation = ring_->generation();
  if (generation == seen_generation_) return;
  for (auto it = senders_.begin(); it != senders_.end();) {
    if (ring_->holds(it->second->epoch_id)) {
      ++it;
      continue;
    }
    // The keys go; the replay floor stays, in case the same secret (same KIDs) comes back.
    remember_floor_locked(it->first, *it->second);
    it = senders_.erase(it);
  }
  seen_generation_ = generation;
}

std::unique_ptr<FrameOpener::Sender> FrameOpener::make_sender(const Epoch &epoch, uint64_t kid) {
  auto keys = derive_sframe_keys(suite_, epoch.base_key.span(), kid);
  if (!keys) return nullptr;
  auto sender = std::make_unique<Sender>();
  sender->aead = Aead::create(suite_, keys->key.span());
  if (!sender->aead) return nullptr;
  sender->salt = std::move(keys->salt);
  sender->epoch_id = epoch.id;
  if (auto it = evicted_tops_.find(kid); it != evicted_tops_.end()) sender->window.close_through(it->second);
  return sender;
}

void FrameOpener::remember_floor_locked(uint64_t kid, const Sender &sender) {
  if (!sender.window.started()) return;
  if (evicted_tops_.size() >= kMaxEvicted) evicted_tops_.clear();
  evicted_tops_[kid] = sender.window.top();
}

void FrameOpener::insert_sender_locked(uint64_t kid, std::unique_ptr<Sender> sender) {
  if (senders_.size() >= kMaxSenders) {
    auto oldest = senders_.begin();
    for (auto it = senders_.begin(); it != senders_.end(); ++it)
      if (it->second->last_used < oldest->second->last_used) oldest = it;
    remember_floor_locked(oldest->first, *oldest->second);
    senders_.erase(oldest);
  }
  senders_[kid] = std::move(sender);
}

otc_e2ee_outcome FrameOpener::open_locked(Codec codec, std::span<const uint8_t> in, uint8_t *out,
                                          size_t *out_size) {
  // H.264: the clear prefix is found on the sealed bytes (the escaped part holds no start
  // code), then the rest is unescaped before the trailer can be read.
  std::span<const uint8_t> frame = in;
  size_t h264_prefix = 0;
  if (codec == Codec::kH264) {
    h264_prefix = h264_clear_prefix_length(in);
    scratch_.resize(in.size());
    if (h264_prefix) std::memcpy(scratch_.data(), in.data(), h264_prefix);
    const size_t rest = h264_unescape(in.subspan(h264_prefix),
                                      h264_trailing_zeros(in.first(h264_prefix)),
                                      scratch_.data() + h264_prefix);
    frame = {scratch_.data(), h264_prefix + rest};
  }

  const size_t n = frame.size();
  if (n < 1) return OTC_E2EE_MISMATCH;
  const size_t header_size = frame[n - 1];
  if (header_size < 1 || header_size > kMaxHeaderSize) return OTC_E2EE_MISMATCH;
  if (n < 1 + header_size + suite_.tag_size) return OTC_E2EE_MISMATCH;
  const auto header_bytes = frame.subspan(n - 1 - header_size, header_size);
  const auto decoded = decode_header(header_bytes);
  if (!decoded || decoded->size != header_size) return OTC_E2EE_MISMATCH;

  const size_t plain_size = n - 1 - header_size - suite_.tag_size;
  const size_t prefix =
      codec == Codec::kH264 ? h264_prefix : clear_prefix_length(codec, frame.first(plain_size));
  if (prefix > plain_size) return OTC_E2EE_MISMATCH;

  const uint64_t kid = decoded->header.kid, ctr = decoded->header.ctr;
  drop_erased_epochs_locked();
  Sender *sender = nullptr;
  std::unique_ptr<Sender> fresh;
  std::shared_ptr<const Epoch> candidate;  // an epoch found by ratcheting, adopted if genuine
  if (auto it = senders_.find(kid); it != senders_.end()) {
    sender = it->second.get();
  } else {
    auto epoch = ring_->find(kid_epoch(kid));
    if (!epoch) {
      candidate = ring_->find_by_ratchet(kid_epoch(kid));
      epoch = candidate;
    }
    if (!epoch) return OTC_E2EE_MISMATCH;
    fresh = make_sender(*epoch, kid);
    if (!fresh) return OTC_E2EE_INTEGRITY_FAILURE;
    sender = fresh.get();
  }

  std::array<uint8_t, 16> nonce{};
  make_nonce(sender->salt, ctr, nonce.data());
  const auto clear = frame.first(prefix);
  const auto ct = frame.subspan(prefix, plain_size - prefix);
  const auto tag = frame.subspan(plain_size, suite_.tag_size);
  if (!sender->aead->open({nonce.data(), suite_.nonce_size}, header_bytes, clear, ct, tag,
                          out + prefix))
    return OTC_E2EE_INTEGRITY_FAILURE;  // a sender that failed is not cached
  if (!sender->window.is_fresh(ctr)) {
    OPENSSL_cleanse(out + prefix, ct.size());
    return OTC_E2EE_REPLAY;
  }
  sender->window.accept(ctr);
  sender->last_used = ++use_clock_;
  if (prefix) std::memcpy(out, frame.data(), prefix);
  if (candidate && ring_->adopt(candidate)) ++stats_.ratchets_followed;
  if (fresh) insert_sender_locked(kid, std::move(fresh));
  stats_.last_epoch_id = kid_epoch(kid);
  *out_size = plain_size;
  return OTC_E2EE_DECRYPTED;
}

void FrameOpener::record_locked(otc_e2ee_outcome outcome, OpenResult *result) {
  result->outcome = outcome;
  result->event = OTC_E2EE_EVENT_NONE;
  switch (outcome) {
    case OTC_E2EE_DECRYPTED:
      ++stats_.decrypted;
      stats_.bytes += result->size;
      undecryptable_in_a_row_ = 0;
      in_integrity_episode_ = false;
      if (stats_.in_mismatch) {
        stats_.in_mismatch = false;
        result->event = OTC_E2EE_EVENT_SECRET_MATCH;
      }
      break;
    case OTC_E2EE_MISMATCH:
      ++stats_.mismatch;
      if (++undecryptable_in_a_row_ >= kMismatchEpisodeFrames && !stats_.in_mismatch) {
        stats_.in_mismatch = true;
        ++stats_.mismatch_episodes;
        result->event = OTC_E2EE_EVENT_SECRET_MISMATCH;
      }
      break;
    case OTC_E2EE_INTEGRITY_FAILURE:
      ++stats_.integrity_failure;
      if (!in_integrity_episode_) {
        in_integrity_episode_ = true;
        ++stats_.integrity_episodes;
        result->event = OTC_E2EE_EVENT_INTEGRITY_FAILURE;
      }
      break;
    case OTC_E2EE_REPLAY:
      ++stats_.replay;
      break;
  }
}

otc_status FrameOpener::open(Codec codec, std::span<const uint8_t> in, uint8_t *out,
                             size_t out_capacity, OpenResult *result) {
  if (in.size() > max_open_size()) return OTC_E2EE_FRAME_TOO_LARGE;
  if (out_capacity < in.size()) return OTC_E2EE_BUFFER_TOO_SMALL;
  std::lock_guard<std::mutex> lock(mutex_);
  size_t size = 0;
  const auto outcome = open_locked(codec, in, out, &size);
  result->size = outcome == OTC_E2EE_DECRYPTED ? size : 0;
  record_locked(outcome, result);
  return OTC_SUCCESS;
}

OpenerStats FrameOpener::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace otc::e2ee
