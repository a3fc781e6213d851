// C API: otc_frame_cryptor_* and the secret/key helpers of otc/e2ee.h.
#include <otc/e2ee.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>

#include "../e2ee/frame_layout.h"
#include "../e2ee/frame_opener.h"
#include "../e2ee/frame_sealer.h"
#include "../e2ee/key_derivation.h"
#include "../e2ee/secret.h"

using namespace otc::e2ee;

struct otc_frame_cryptor {
  std::string session_id;
  const CipherSuite *suite;
  std::shared_ptr<KeyRing> ring;
  std::unique_ptr<FrameSealer> sealer;
  std::unique_ptr<FrameOpener> opener;
  std::mutex secret_mutex;  // one PBKDF2 at a time; never held by seal/open
};

namespace {

void set_status(otc_status *status, otc_status value) {
  if (status) *status = value;
}

}  // namespace

extern "C" {

otc_status otc_e2ee_validate_secret(const char *secret) {
  if (!secret || !is_valid_secret(secret)) return OTC_SESSION_INVALID_ENCRYPTION_SECRET;
  return OTC_SUCCESS;
}

otc_status otc_e2ee_derive_base_key(const char *session_id, const char *secret,
                                    uint8_t base_key_out[32]) {
  if (!session_id || !*session_id || !base_key_out) return OTC_E2EE_INVALID_PARAMETER;
  if (otc_e2ee_validate_secret(secret) != OTC_SUCCESS) return OTC_SESSION_INVALID_ENCRYPTION_SECRET;
  auto key = derive_base_key(secret, session_id);
  if (!key) return OTC_E2EE_CRYPTO_FAILURE;
  std::memcpy(base_key_out, key->data(), key->size());
  return OTC_SUCCESS;
}

otc_status otc_e2ee_epoch_id(const uint8_t base_key[32], uint32_t *epoch_id) {
  if (!base_key || !epoch_id) return OTC_E2EE_INVALID_PARAMETER;
  auto id = derive_epoch_id({base_key, kBaseKeySize});
  if (!id) return OTC_E2EE_CRYPTO_FAILURE;
  *epoch_id = *id;
  return OTC_SUCCESS;
}

otc_status otc_e2ee_ratchet_key(const uint8_t base_key[32], uint8_t next_base_key_out[32]) {
  if (!base_key || !next_base_key_out) return OTC_E2EE_INVALID_PARAMETER;
  auto next = derive_ratchet_key({base_key, kBaseKeySize});
  if (!next) return OTC_E2EE_CRYPTO_FAILURE;
  std::memcpy(next_base_key_out, next->data(), next->size());
  return OTC_SUCCESS;
}

otc_frame_cryptor *otc_frame_cryptor_new(const char *session_id, const char *secret,
                                         const otc_frame_cryptor_settings *settings,
                                         otc_status *status) {
  static_assert(sizeof(otc_e2ee_suite) == sizeof(int));
  if (!session_id || !*session_id) {
    set_status(status, OTC_E2EE_INVALID_PARAMETER);
    return nullptr;
  }
  // A C caller can store any int in the enum field; read it as an int, which C++ allows for
  // any value (reading it as the enum would not).
  int suite_id = 0;
  if (settings) std::memcpy(&suite_id, &settings->suite, sizeof suite_id);
  if (suite_id == 0) suite_id = OTC_E2EE_DEFAULT_SUITE;
  const CipherSuite *suite = suite_id > 0 && suite_id <= 0xFFFF
                                 ? find_cipher_suite(static_cast<uint16_t>(suite_id))
                                 : nullptr;
  if (!suite) {
    set_status(status, OTC_E2EE_UNSUPPORTED_SUITE);
    return nullptr;
  }
  if (otc_e2ee_validate_secret(secret) != OTC_SUCCESS) {
    set_status(status, OTC_SESSION_INVALID_ENCRYPTION_SECRET);
    return nullptr;
  }
  const uint32_t grace_ms = settings && settings->grace_period_ms ? settings->grace_period_ms
                                                                  : OTC_E2EE_DEFAULT_GRACE_PERIOD_MS;
  auto key = derive_base_key(secret, session_id);
  if (!key) {
    set_status(status, OTC_E2EE_CRYPTO_FAILURE);
    return nullptr;
  }
  auto *cryptor = new (std::nothrow) otc_frame_cryptor;
  if (!cryptor) {
    set_status(status, OTC_E2EE_CRYPTO_FAILURE);
    return nullptr;
  }
  cryptor->session_id = session_id;
  cryptor->suite = suite;
  cryptor->ring = std::make_shared<KeyRing>(std::chrono::milliseconds(grace_ms));
  if (!cryptor->ring->install(std::move(*key))) {
    delete cryptor;
    set_status(status, OTC_E2EE_CRYPTO_FAILURE);
    return nullptr;
  }
  cryptor->sealer = std::make_unique<FrameSealer>(cryptor->ring, *suite);
  cryptor->opener = std::make_unique<FrameOpener>(cryptor->ring, *suite);
  set_status(status, OTC_SUCCESS);
  return cryptor;
}

otc_status otc_frame_cryptor_set_secret(otc_frame_cryptor *cryptor, const char *secret) {
  if (!cryptor) return OTC_E2EE_INVALID_PARAMETER;
  if (otc_e2ee_validate_secret(secret) != OTC_SUCCESS) return OTC_SESSION_INVALID_ENCRYPTION_SECRET;
  std::lock_guard<std::mutex> lock(cryptor->secret_mutex);
  auto key = derive_base_key(secret, cryptor->session_id);
  if (!key) return OTC_E2EE_CRYPTO_FAILURE;
  return cryptor->ring->install(std::move(*key)) ? otc_status{OTC_SUCCESS} : OTC_E2EE_CRYPTO_FAILURE;
}

otc_status otc_frame_cryptor_ratchet(otc_frame_cryptor *cryptor) {
  if (!cryptor) return OTC_E2EE_INVALID_PARAMETER;
  return cryptor->ring->ratchet() ? otc_status{OTC_SUCCESS} : OTC_E2EE_KEY_NOT_READY;
}

size_t otc_frame_cryptor_max_sealed_size(otc_e2ee_codec codec, size_t plain_size) {
  Codec c;
  if (!codec_from_c(codec, c) || plain_size > OTC_E2EE_MAX_FRAME_SIZE) return 0;
  return max_sealed_size(c, plain_size);
}

otc_status otc_frame_cryptor_seal(otc_frame_cryptor *cryptor, otc_e2ee_codec codec, int key_frame,
                                  const uint8_t *in, size_t in_size, uint8_t *out,
                                  size_t out_capacity, size_t *out_size) {
  // The VP8 frame's own key-frame bit decides its prefix (docs/e2ee-frame-format.md section 5.2).
  (void)key_frame;
  if (!cryptor || (!in && in_size) || !out || !out_size) return OTC_E2EE_INVALID_PARAMETER;
  Codec c;
  if (!codec_from_c(codec, c)) return OTC_PUBLISHER_ENCRYPTION_UNSUPPORTED_CODEC;
  return cryptor->sealer->seal(c, {in, in_size}, out, out_capacity, out_size);
}

otc_status otc_frame_cryptor_open(otc_frame_cryptor *cryptor, otc_e2ee_codec codec,
                                  const uint8_t *in, size_t in_size, uint8_t *out,
                                  size_t out_capacity, size_t *out_size,
                                  otc_e2ee_outcome *outcome, otc_e2ee_event *event) {
  if (!cryptor || (!in && in_size) || !out_size || !outcome || (!out && out_capacity))
    return OTC_E2EE_INVALID_PARAMETER;
  Codec c;
  if (!codec_from_c(codec, c)) return OTC_SUBSCRIBER_DECRYPTION_UNSUPPORTED_CODEC;
  static uint8_t no_output;  // a 0-byte input with a 0-byte buffer still gets an outcome
  OpenResult result;
  const otc_status status =
      cryptor->opener->open(c, {in, in_size}, out ? out : &no_output, out_capacity, &result);
  if (status != OTC_SUCCESS) return status;
  *out_size = result.size;
  *outcome = result.outcome;
  if (event) *event = result.event;
  return OTC_SUCCESS;
}

otc_status otc_frame_cryptor_get_stats(otc_frame_cryptor *cryptor, otc_frame_cryptor_stats *stats) {
  if (!cryptor || !stats) return OTC_E2EE_INVALID_PARAMETER;
  const OpenerStats opened = cryptor->opener->stats();
  auto current = cryptor->ring->current();
  *stats = otc_frame_cryptor_stats{};
  stats->frames_sealed = cryptor->sealer->frames_sealed();
  stats->bytes_sealed = cryptor->sealer->bytes_sealed();
  stats->frames_decrypted = opened.decrypted;
  stats->frames_mismatch = opened.mismatch;
  stats->frames_integrity_failure = opened.integrity_failure;
  stats->frames_replay = opened.replay;
  stats->bytes_opened = opened.bytes;
  stats->mismatch_episodes = opened.mismatch_episodes;
  stats->integrity_episodes = opened.integrity_episodes;
  stats->ratchets_followed = opened.ratchets_followed;
  stats->current_epoch_id = current ? current->id : 0;
  stats->sender_id = cryptor->sealer->sender_id();
  stats->epochs_held = static_cast<uint32_t>(cryptor->ring->epochs_held());
  stats->in_mismatch = opened.in_mismatch ? 1 : 0;
  return OTC_SUCCESS;
}

void otc_frame_cryptor_delete(otc_frame_cryptor *cryptor) { delete cryptor; }

}  // extern "C"
