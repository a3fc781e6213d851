import { ErrorCode } from './error-code';
import { native } from './binding';

/** A secret: a string, or its UTF-8 bytes (which lets callers wipe their copy afterwards). */
export type Secret = string | Uint8Array;

export function isSecretType(secret: unknown): secret is Secret {
  return typeof secret === 'string' || secret instanceof Uint8Array;
}

/**
 * Checks a secret against the frame format's rules (valid UTF-8, no NUL, 8-256 code points).
 * A string with a lone surrogate is not valid Unicode and is refused here: converting it to
 * UTF-8 would silently turn it into U+FFFD and derive a key from a different secret.
 */
export function validateSecret(secret: Secret): ErrorCode {
  if (typeof secret === 'string' && !secret.isWellFormed()) {
    return ErrorCode.OTC_SESSION_INVALID_ENCRYPTION_SECRET;
  }
  if (!isSecretType(secret)) return ErrorCode.OTC_SESSION_INVALID_ENCRYPTION_SECRET;
  return native.validateSecret(secret) as ErrorCode;
}
