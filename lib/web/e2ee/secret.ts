// docs/e2ee-frame-format.md section 1.1: a secret is valid UTF-8, without NUL, 8 to 256 code points.

/** The secret's UTF-8 bytes, or undefined when it breaks the rules. */
export function secretBytes(secret: string | Uint8Array): Uint8Array | undefined {
  let text: string;
  if (typeof secret === 'string') {
    text = secret;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(secret);
    } catch {
      return undefined;
    }
  }
  let codePoints = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return undefined;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) return undefined; // a lone high surrogate
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return undefined; // a lone low surrogate
    }
    if (++codePoints > 256) return undefined;
  }
  if (codePoints < 8) return undefined;
  return typeof secret === 'string' ? new TextEncoder().encode(secret) : Uint8Array.from(secret);
}
