// The SFrame header (RFC 9605 section 4.3): config byte X|K(3)|Y|C(3), then KID and CTR in the
// fewest big-endian bytes; values below 8 are carried inline in the config byte.

export interface Header {
  kid: bigint;
  ctr: bigint;
  size: number;
}

const U64_MAX = (1n << 64n) - 1n;

function minimalBytes(value: bigint): Uint8Array {
  const bytes: number[] = [];
  for (let v = value; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return Uint8Array.from(bytes);
}

export function encodeHeader(kid: bigint, ctr: bigint): Uint8Array {
  if (kid < 0n || kid > U64_MAX || ctr < 0n || ctr > U64_MAX) throw new RangeError('KID and CTR are 64-bit unsigned');
  const k = kid >= 8n ? minimalBytes(kid) : new Uint8Array(0);
  const c = ctr >= 8n ? minimalBytes(ctr) : new Uint8Array(0);
  const config = (k.length ? 0x80 | ((k.length - 1) << 4) : Number(kid) << 4) | (c.length ? 0x08 | (c.length - 1) : Number(ctr));
  const out = new Uint8Array(1 + k.length + c.length);
  out[0] = config;
  out.set(k, 1);
  out.set(c, 1 + k.length);
  return out;
}

function readValue(bytes: Uint8Array, at: number, length: number): bigint | undefined {
  if (bytes.length < at + length || bytes[at] === 0) return undefined; // cut short, or not minimal
  let v = 0n;
  for (let i = 0; i < length; i++) v = (v << 8n) | BigInt(bytes[at + i]!);
  return v < 8n ? undefined : v; // should have been inline
}

/** The header at the start of `bytes`; undefined when cut short or not minimally encoded. */
export function decodeHeader(bytes: Uint8Array): Header | undefined {
  if (bytes.length < 1) return undefined;
  const config = bytes[0]!;
  let at = 1;
  let kid = BigInt((config >> 4) & 7);
  if (config & 0x80) {
    const length = ((config >> 4) & 7) + 1;
    const value = readValue(bytes, at, length);
    if (value === undefined) return undefined;
    kid = value;
    at += length;
  }
  let ctr = BigInt(config & 7);
  if (config & 0x08) {
    const length = (config & 7) + 1;
    const value = readValue(bytes, at, length);
    if (value === undefined) return undefined;
    ctr = value;
    at += length;
  }
  return { kid, ctr, size: at };
}
