/* node-otc: end-to-end encryption of media frames (docs/e2ee-frame-format.md).
 *
 * Two levels:
 *  - otc_frame_cryptor: the frame format as publishers and subscribers use it (secret -> base key
 *    by PBKDF2, epochs, ratchet, per-track sender ids, codec clear prefixes, trailer layout,
 *    replay window, receive outcomes). Thread-safe: seal and open may run on different threads.
 *  - otc_sframe_*: raw RFC 9605 SFrame with a caller-given base key, KID and CTR, in the RFC's
 *    layout (header || ciphertext || tag). This is what the published test vectors exercise.
 *
 * Buffers passed in are only read during the call. Functions never keep a pointer to them.
 */
#ifndef OTC_E2EE_H
#define OTC_E2EE_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#ifdef __cplusplus
extern "C" {
#endif

/** SFrame cipher suites (RFC 9605 ids; 6-8 are the AES-256-CTR + HMAC-SHA-512 suites). */
typedef enum otc_e2ee_suite {
  OTC_E2EE_AES_128_CTR_HMAC_SHA256_80 = 1,
  OTC_E2EE_AES_128_CTR_HMAC_SHA256_64 = 2,
  OTC_E2EE_AES_128_CTR_HMAC_SHA256_32 = 3,
  OTC_E2EE_AES_128_GCM_SHA256_128 = 4,
  OTC_E2EE_AES_256_GCM_SHA512_128 = 5,
  OTC_E2EE_AES_256_CTR_HMAC_SHA512_80 = 6, /* the default */
  OTC_E2EE_AES_256_CTR_HMAC_SHA512_64 = 7,
  OTC_E2EE_AES_256_CTR_HMAC_SHA512_32 = 8
} otc_e2ee_suite;

#define OTC_E2EE_DEFAULT_SUITE OTC_E2EE_AES_256_CTR_HMAC_SHA512_80

/** The codec of a frame decides its clear prefix (docs/e2ee-frame-format.md section 5). */
typedef enum otc_e2ee_codec {
  OTC_E2EE_CODEC_OPUS = 0, /* any audio codec: no clear prefix */
  OTC_E2EE_CODEC_VP8 = 1,
  OTC_E2EE_CODEC_VP9 = 2,
  OTC_E2EE_CODEC_AV1 = 3,
  OTC_E2EE_CODEC_H264 = 4
} otc_e2ee_codec;

/** What became of a received frame (docs/e2ee-frame-format.md section 6.1). */
typedef enum otc_e2ee_outcome {
  OTC_E2EE_DECRYPTED = 0,
  OTC_E2EE_MISMATCH = 1,          /* not a sealed frame, or no known or ratchetable epoch */
  OTC_E2EE_INTEGRITY_FAILURE = 2, /* epoch known, tag invalid */
  OTC_E2EE_REPLAY = 3             /* (KID, CTR) seen before, or older than the replay window */
} otc_e2ee_outcome;

/** Episode changes a receiver reports at most once each (docs/e2ee-frame-format.md section 6.3). */
typedef enum otc_e2ee_event {
  OTC_E2EE_EVENT_NONE = 0,
  OTC_E2EE_EVENT_SECRET_MISMATCH = 1,   /* 3rd undecryptable frame in a row: report 6003 */
  OTC_E2EE_EVENT_SECRET_MATCH = 2,      /* first decrypted frame after a mismatch episode */
  OTC_E2EE_EVENT_INTEGRITY_FAILURE = 3  /* first integrity failure of an episode: report 6002 */
} otc_e2ee_event;

/** Limits. A secret is 8..256 Unicode code points of valid UTF-8 with no NUL. */
#define OTC_E2EE_SECRET_MIN_CODE_POINTS 8
#define OTC_E2EE_SECRET_MAX_CODE_POINTS 256
#define OTC_E2EE_MAX_FRAME_SIZE (16u * 1024u * 1024u) /* larger frames are refused */
#define OTC_E2EE_MAX_OVERHEAD 64u /* sealed size <= plain size + this (H.264 escaping aside) */
#define OTC_E2EE_DEFAULT_GRACE_PERIOD_MS 10000u
#define OTC_E2EE_MAX_RATCHET_STEPS 8u
#define OTC_E2EE_REPLAY_WINDOW 256u

/** Checks a secret against the rules. OTC_SUCCESS or OTC_SESSION_INVALID_ENCRYPTION_SECRET. */
otc_status otc_e2ee_validate_secret(const char *secret);

/** The key schedule's first steps, for tools and cross-implementation tests: base_key (32 bytes)
 *  = PBKDF2-HMAC-SHA256(secret, "otc-e2ee-v1|" || session_id, 100000). Blocks ~40 ms. */
otc_status otc_e2ee_derive_base_key(const char *session_id, const char *secret,
                                    uint8_t base_key_out[32]);

/** epoch_id of a base key, and the next epoch's base key (the ratchet). */
otc_status otc_e2ee_epoch_id(const uint8_t base_key[32], uint32_t *epoch_id);
otc_status otc_e2ee_ratchet_key(const uint8_t base_key[32], uint8_t next_base_key_out[32]);

/* ---------------------------------------------------------------------------------------------
 * Frame cryptor
 * ------------------------------------------------------------------------------------------- */

typedef struct otc_frame_cryptor otc_frame_cryptor;

typedef struct otc_frame_cryptor_settings {
  otc_e2ee_suite suite;     /* 0 means OTC_E2EE_DEFAULT_SUITE */
  uint32_t grace_period_ms; /* how long superseded epochs stay usable; 0 means the default */
} otc_frame_cryptor_settings;

typedef struct otc_frame_cryptor_stats {
  uint64_t frames_sealed;
  uint64_t bytes_sealed;
  uint64_t frames_decrypted;
  uint64_t frames_mismatch;
  uint64_t frames_integrity_failure;
  uint64_t frames_replay;
  uint64_t bytes_opened;
  uint64_t mismatch_episodes;
  uint64_t integrity_episodes;
  uint64_t ratchets_followed;  /* epochs a receiver adopted by ratcheting a held one */
  uint32_t current_epoch_id;   /* the epoch the sender uses now */
  uint32_t sender_id;          /* this cryptor's random 32-bit sender id */
  uint32_t epochs_held;        /* epochs whose keys are still in memory */
  int in_mismatch;             /* 1 while a mismatch episode lasts */
} otc_frame_cryptor_stats;

/** Creates a cryptor for one sending track (and any number of received tracks) of a session.
 *  Derives the base key with PBKDF2 (100,000 iterations, ~40 ms) on the calling thread: never
 *  call it on a media thread or an event loop thread. settings may be NULL.
 *  Returns NULL and sets *status (if not NULL) on failure:
 *  OTC_SESSION_INVALID_ENCRYPTION_SECRET, OTC_E2EE_INVALID_PARAMETER (NULL or empty session id),
 *  OTC_E2EE_UNSUPPORTED_SUITE. */
otc_frame_cryptor *otc_frame_cryptor_new(const char *session_id, const char *secret,
                                         const otc_frame_cryptor_settings *settings,
                                         otc_status *status);

/** Replaces the secret: a new epoch becomes current at once for sending; the old one stays
 *  usable for receiving during the grace period. Blocks for PBKDF2 like otc_frame_cryptor_new.
 *  On OTC_SESSION_INVALID_ENCRYPTION_SECRET the cryptor keeps its previous secret. */
otc_status otc_frame_cryptor_set_secret(otc_frame_cryptor *cryptor, const char *secret);

/** Moves the sender to the next epoch of the ratchet (cheap: one HKDF). */
otc_status otc_frame_cryptor_ratchet(otc_frame_cryptor *cryptor);

/** Size a sealed frame of plain_size bytes needs, worst case (H.264 escaping included). */
size_t otc_frame_cryptor_max_sealed_size(otc_e2ee_codec codec, size_t plain_size);

/** Seals one encoded frame. out must not overlap in. key_frame only matters for VP8 when the
 *  frame's own bit disagrees (the frame's bit wins; the flag is kept for stats and future codecs).
 *  OTC_E2EE_BUFFER_TOO_SMALL when out_capacity < otc_frame_cryptor_max_sealed_size(). */
otc_status otc_frame_cryptor_seal(otc_frame_cryptor *cryptor, otc_e2ee_codec codec, int key_frame,
                                  const uint8_t *in, size_t in_size, uint8_t *out,
                                  size_t out_capacity, size_t *out_size);

/** Opens one received frame. On OTC_SUCCESS *outcome says what happened (a rejected frame is
 *  still OTC_SUCCESS with outcome != OTC_E2EE_DECRYPTED and *out_size 0); *event (may be NULL)
 *  reports an episode change. out needs at least in_size bytes and must not overlap in. Errors are about the call
 *  (null pointers, buffer too small, frame too large), never about the frame. */
otc_status otc_frame_cryptor_open(otc_frame_cryptor *cryptor, otc_e2ee_codec codec,
                                  const uint8_t *in, size_t in_size, uint8_t *out,
                                  size_t out_capacity, size_t *out_size,
                                  otc_e2ee_outcome *outcome, otc_e2ee_event *event);

otc_status otc_frame_cryptor_get_stats(otc_frame_cryptor *cryptor, otc_frame_cryptor_stats *stats);

/** Wipes every key and frees the cryptor. NULL is a no-op. No call may be running on it. */
void otc_frame_cryptor_delete(otc_frame_cryptor *cryptor);

/* ---------------------------------------------------------------------------------------------
 * Low-level SFrame (RFC 9605 layout and key schedule, for interop and the test vectors)
 * ------------------------------------------------------------------------------------------- */

#define OTC_SFRAME_MAX_HEADER_SIZE 17u

/** Encodes the SFrame header of (kid, ctr) into out (>= OTC_SFRAME_MAX_HEADER_SIZE bytes). */
otc_status otc_sframe_header_encode(uint64_t kid, uint64_t ctr, uint8_t *out, size_t out_capacity,
                                    size_t *out_size);

/** Decodes the header at the start of in. *header_size gets the bytes it takes. Rejects
 *  truncated and non-minimal encodings with OTC_E2EE_MALFORMED. */
otc_status otc_sframe_header_decode(const uint8_t *in, size_t in_size, uint64_t *kid,
                                    uint64_t *ctr, size_t *header_size);

/** The suite's AEAD alone (RFC 9605 section 4.5), key = sframe_key (Nk bytes), nonce Nn bytes.
 *  Output is ciphertext || tag (pt_size + Nt bytes). */
otc_status otc_sframe_aead_seal(otc_e2ee_suite suite, const uint8_t *key, size_t key_size,
                                const uint8_t *nonce, size_t nonce_size, const uint8_t *aad,
                                size_t aad_size, const uint8_t *pt, size_t pt_size, uint8_t *out,
                                size_t out_capacity, size_t *out_size);

/** Inverse of otc_sframe_aead_seal: OTC_E2EE_AUTHENTICATION_FAILED when the tag does not match
 *  (nothing is written to out then). */
otc_status otc_sframe_aead_open(otc_e2ee_suite suite, const uint8_t *key, size_t key_size,
                                const uint8_t *nonce, size_t nonce_size, const uint8_t *aad,
                                size_t aad_size, const uint8_t *ct, size_t ct_size, uint8_t *out,
                                size_t out_capacity, size_t *out_size);

/** Full SFrame protect: header(kid, ctr) || AEAD(key schedule of base_key, aad = header ||
 *  metadata, pt). */
otc_status otc_sframe_protect(otc_e2ee_suite suite, const uint8_t *base_key, size_t base_key_size,
                              uint64_t kid, uint64_t ctr, const uint8_t *metadata,
                              size_t metadata_size, const uint8_t *pt, size_t pt_size,
                              uint8_t *out, size_t out_capacity, size_t *out_size);

/** Full SFrame unprotect; *kid and *ctr (may be NULL) get the header's values. */
otc_status otc_sframe_unprotect(otc_e2ee_suite suite, const uint8_t *base_key,
                                size_t base_key_size, const uint8_t *metadata,
                                size_t metadata_size, const uint8_t *in, size_t in_size,
                                uint8_t *out, size_t out_capacity, size_t *out_size,
                                uint64_t *kid, uint64_t *ctr);

/** The key schedule alone, for the vectors: sframe_key (Nk bytes) and sframe_salt (Nn bytes). */
otc_status otc_sframe_derive_key(otc_e2ee_suite suite, const uint8_t *base_key,
                                 size_t base_key_size, uint64_t kid, uint8_t *key_out,
                                 size_t key_capacity, size_t *key_size, uint8_t *salt_out,
                                 size_t salt_capacity, size_t *salt_size);

#ifdef __cplusplus
}
#endif

#endif /* OTC_E2EE_H */
