#include "frame_sealer.h"

#include <openssl/rand.h>

#include <array>
#include <cstring>

#include "frame_layout.h"
#include "h264_escape.h"
#include "key_derivation.h"
#include "sframe_header.h"

namespace otc::e2ee {

uint32_t random_sender_id() {
  uint32_t id = 0;
  while (id == 0)  // 0 is reserved for "draw one"
    if (RAND_bytes(reinterpret_cast<unsigned char *>(&id), sizeof id) != 1) id = 0;
  return id;
}

FrameSealer::FrameSealer(std::shared_ptr<KeyRing> ring, const CipherSuite &suite, uint32_t sender_id)
    : ring_(std::move(ring)), suite_(suite), sender_id_(sender_id ? sender_id : random_sender_id()) {}

FrameSealer::~FrameSealer() = default;

bool FrameSealer::refresh_key_locked() {
  const uint64_t generation = ring_->generation();
  if (generation == seen_generation_ && aead_) return true;
  auto epoch = ring_->current();
  if (!epoch) {
    aead_.reset();
    salt_.wipe();
    return false;
  }
  if (!aead_ || epoch->id != epoch_id_) {
    aead_.reset();
    auto keys = derive_sframe_keys(suite_, epoch->base_key.span(), make_kid(epoch->id, sender_id_));
    if (!keys) return false;
    aead_ = Aead::create(suite_, keys->key.span());
    if (!aead_) return false;
    salt_ = std::move(keys->salt);
    epoch_id_ = epoch->id;
  }
  seen_generation_ = generation;
  return true;
}

otc_status FrameSealer::seal(Codec codec, std::span<const uint8_t> in, uint8_t *out,
                             size_t out_capacity, size_t *out_size) {
  if (in.size() > OTC_E2EE_MAX_FRAME_SIZE) return OTC_E2EE_FRAME_TOO_LARGE;
  if (out_capacity < max_sealed_size(codec, in.size())) return OTC_E2EE_BUFFER_TOO_SMALL;

  std::lock_guard<std::mutex> lock(mutex_);
  if (!refresh_key_locked()) return aead_ ? OTC_E2EE_CRYPTO_FAILURE : OTC_E2EE_KEY_NOT_READY;
  uint64_t &next = next_ctr_[epoch_id_];
  if (next == UINT64_MAX) return OTC_E2EE_COUNTER_EXHAUSTED;
  const uint64_t ctr = next;

  const auto header = encode_header({make_kid(epoch_id_, sender_id_), ctr});
  const size_t prefix = clear_prefix_length(codec, in);
  const auto clear = in.first(prefix);
  const auto body = in.subspan(prefix);
  std::array<uint8_t, 16> nonce{};
  make_nonce(salt_, ctr, nonce.data());
  const std::span<const uint8_t> nonce_span{nonce.data(), suite_.nonce_size};

  // Everything after P: ciphertext || tag || H || len(H).
  const size_t tail_size = body.size() + suite_.tag_size + header.size + 1;
  uint8_t *tail;
  if (codec == Codec::kH264) {
    scratch_.resize(tail_size);
    tail = scratch_.data();
  } else {
    tail = out + prefix;
  }
  if (!aead_->seal(nonce_span, header.span(), clear, body, tail)) return OTC_E2EE_CRYPTO_FAILURE;
  std::memcpy(tail + body.size() + suite_.tag_size, header.bytes.data(), header.size);
  tail[tail_size - 1] = static_cast<uint8_t>(header.size);

  if (prefix) std::memcpy(out, in.data(), prefix);
  size_t total = prefix + tail_size;
  if (codec == Codec::kH264)
    total = prefix + h264_escape({tail, tail_size}, h264_trailing_zeros(clear), out + prefix);

  ++next;  // only a sealed frame consumes its counter value
  frames_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(in.size(), std::memory_order_relaxed);
  epoch_in_use_.store(epoch_id_, std::memory_order_relaxed);
  *out_size = total;
  return OTC_SUCCESS;
}

}  // namespace otc::e2ee
