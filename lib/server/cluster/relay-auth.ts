// How one process of a cluster vouches for what it relays to another: a request (signaling
// socket or REST call) carries `x-otc-relay: v1;<address>;<time>;<mac>`, the client's address
// and when it was sent, under an HMAC keyed from the API secret every process shares. The
// receiving process then counts the client's address, not the relaying process's, against its
// limits, and does not relay it again. A header older than a minute is refused (no replay of an
// old one).
import * as crypto from 'node:crypto';

export const RELAY_HEADER = 'x-otc-relay';
const MAX_AGE_MS = 60_000;

function keyOf(apiSecret: string): Buffer {
  return crypto.createHmac('sha256', apiSecret).update('otc-cluster-relay-v1').digest();
}

function macOf(key: Buffer, address: string, time: number): string {
  return crypto.createHmac('sha256', key).update(`${address}|${time}`).digest('base64url');
}

export class RelayAuth {
  readonly #key: Buffer;

  constructor(apiSecret: string) {
    this.#key = keyOf(apiSecret);
  }

  /** The header value vouching for a client at `address`. */
  header(address: string, now = Date.now()): string {
    const clean = address.replace(/[^0-9A-Za-z.:%-]/g, '');
    return `v1;${clean};${now};${macOf(this.#key, clean, now)}`;
  }

  /** The client's address when `value` is a valid, recent header of this cluster; undefined otherwise. */
  verify(value: string | string[] | undefined, now = Date.now()): string | undefined {
    if (typeof value !== 'string' || value.length > 200) return undefined;
    const [version, address, timeText, mac] = value.split(';');
    if (version !== 'v1' || address === undefined || timeText === undefined || mac === undefined || !/^\d{1,15}$/.test(timeText)) return undefined;
    const time = Number(timeText);
    if (Math.abs(now - time) > MAX_AGE_MS) return undefined;
    const expected = Buffer.from(macOf(this.#key, address, time));
    const given = Buffer.from(mac);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected) ? address : undefined;
  }
}
