// The names of the frame format's parameters as the TypeScript API spells them, with their
// numbers in the C API (cpp/include/otc/e2ee.h).

/** SFrame cipher suites (RFC 9605 ids). AES_256_CTR_HMAC_SHA512_80 is the default. */
export enum Suite {
  AES_128_CTR_HMAC_SHA256_80 = 1,
  AES_128_CTR_HMAC_SHA256_64 = 2,
  AES_128_CTR_HMAC_SHA256_32 = 3,
  AES_128_GCM_SHA256_128 = 4,
  AES_256_GCM_SHA512_128 = 5,
  AES_256_CTR_HMAC_SHA512_80 = 6,
  AES_256_CTR_HMAC_SHA512_64 = 7,
  AES_256_CTR_HMAC_SHA512_32 = 8,
}

export const DEFAULT_SUITE = Suite.AES_256_CTR_HMAC_SHA512_80;

/** Whether value is one of the eight suites (the C API reads 0 as "the default"; this API does not). */
export function isSuite(value: unknown): value is Suite {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 8;
}

/** Codecs as SDP and OpenTok spell them (the Publisher's videoCodec and StreamEvent.videoCodec too). */
export type Codec = 'opus' | 'VP8' | 'VP9' | 'AV1' | 'H264';

const CODEC_NUMBERS: Record<Codec, number> = { opus: 0, VP8: 1, VP9: 2, AV1: 3, H264: 4 };

export const CODECS = Object.keys(CODEC_NUMBERS) as Codec[];

/** The C enum value of a codec name, or undefined when it is not one. */
export function codecNumber(codec: unknown): number | undefined {
  return typeof codec === 'string' && Object.hasOwn(CODEC_NUMBERS, codec)
    ? CODEC_NUMBERS[codec as Codec]
    : undefined;
}

/** What became of a received frame (docs/e2ee-frame-format.md section 6.1). */
export type Outcome = 'decrypted' | 'mismatch' | 'integrity-failure' | 'replay';

/** Episode changes a receiver reports once each: 6003, recovery from it, and 6002. */
export type CryptorEvent = 'mismatch' | 'match' | 'integrity-failure';

export const SECRET_MIN_CODE_POINTS = 8;
export const SECRET_MAX_CODE_POINTS = 256;
export const MAX_FRAME_SIZE = 16 * 1024 * 1024;
