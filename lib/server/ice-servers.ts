// The ICE servers the session server hands each client in its connect ack (docs/protocol.md,
// "ICE servers"): STUN URLs as given, and TURN URLs with a credential of that connection's own
// in coturn's shared-secret scheme (turn-credentials.ts).
import { type TurnCredential, turnCredential } from './turn-credentials';

/** One entry of the connect ack's `iceServers` (RTCIceServer's shape). */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** TURN servers that share one secret (coturn: `use-auth-secret`, `static-auth-secret`). */
export interface TurnServersOptions {
  /** `turn:host:port?transport=udp`, `turn:host:port?transport=tcp`, `turns:host:port` (RFC 7065). */
  urls: string[];
  /** The TURN servers' static-auth-secret. */
  secret: string;
  /**
   * How long a connection's credential is valid, seconds (default 86400). A TURN client refreshes
   * its allocation with the credential it allocated with, and coturn refuses a refresh whose
   * expiry has passed: this bounds how long a relayed call can last.
   */
  ttlSeconds?: number;
}

export interface IceOptions {
  /** `stun:host:port` URLs (RFC 7064), handed out as they are. */
  stun?: string[];
  turn?: TurnServersOptions;
}

export const DEFAULT_TURN_TTL_SECONDS = 86_400;
const MAX_URLS = 16;
const MAX_URL_LENGTH = 256;
const HOST = String.raw`(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)`;
const STUN_URL = new RegExp(String.raw`^stuns?:${HOST}(?::\d{1,5})?$`);
const TURN_URL = new RegExp(String.raw`^turns?:${HOST}(?::\d{1,5})?(?:\?transport=(?:udp|tcp))?$`);

function checkUrls(urls: unknown, pattern: RegExp, what: string): string[] {
  if (!Array.isArray(urls) || urls.length === 0 || urls.length > MAX_URLS) throw new TypeError(`${what} must be 1 to ${MAX_URLS} URLs`);
  for (const url of urls) {
    if (typeof url !== 'string' || url.length > MAX_URL_LENGTH || !pattern.test(url)) {
      throw new TypeError(`${what}: not a ${what.startsWith('stun') ? 'stun:host[:port]' : 'turn[s]:host[:port][?transport=udp|tcp]'} URL: ${String(url).slice(0, 80)}`);
    }
    const port = /:(\d+)(?:\?|$)/.exec(url.replace(/^\w+:\[[^\]]*\]/, ''))?.[1];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw new TypeError(`${what}: port out of range in ${url}`);
  }
  return [...urls] as string[];
}

/** Checks `opts` (a clear TypeError for anything malformed); returns a copy with defaults filled in. */
export function checkIceOptions(opts: IceOptions): Required<Pick<IceOptions, 'stun'>> & { turn?: Required<TurnServersOptions> } {
  const stun = opts.stun === undefined || (Array.isArray(opts.stun) && opts.stun.length === 0) ? [] : checkUrls(opts.stun, STUN_URL, 'stun URLs');
  if (opts.turn === undefined) return { stun };
  const urls = checkUrls(opts.turn.urls, TURN_URL, 'turn URLs');
  const { secret } = opts.turn;
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > 1024) throw new TypeError('the TURN secret must be a non-empty string');
  const ttlSeconds = opts.turn.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > 30 * 86_400) {
    throw new TypeError(`the TURN credential TTL must be 60 s to 30 days, not ${ttlSeconds}`);
  }
  return { stun, turn: { urls, secret, ttlSeconds } };
}

/** Makes each connection's `iceServers`. */
export class IceServers {
  readonly #stun: string[];
  readonly #turn: Required<TurnServersOptions> | undefined;

  constructor(opts: IceOptions) {
    const checked = checkIceOptions(opts);
    this.#stun = checked.stun;
    this.#turn = checked.turn;
  }

  /** Whether there is anything to hand out. */
  get empty(): boolean {
    return this.#stun.length === 0 && !this.#turn;
  }

  get hasTurn(): boolean {
    return this.#turn !== undefined;
  }

  /** The TURN URLs (for the router's Janus). */
  get turnUrls(): string[] {
    return this.#turn ? [...this.#turn.urls] : [];
  }

  /** A credential for `id` (a connection id, or the router's name) valid for ttlSeconds (default: the configured TTL). */
  turnCredential(id: string, ttlSeconds?: number): TurnCredential | undefined {
    return this.#turn && turnCredential(this.#turn.secret, id, ttlSeconds ?? this.#turn.ttlSeconds);
  }

  /** The connect ack's `iceServers` for a connection: fresh TURN credentials of its own. */
  forConnection(connectionId: string): IceServer[] {
    const servers: IceServer[] = [];
    if (this.#stun.length > 0) servers.push({ urls: [...this.#stun] });
    const credential = this.turnCredential(connectionId);
    if (this.#turn && credential) servers.push({ urls: [...this.#turn.urls], ...credential });
    return servers;
  }
}

/** host, port and transport of a turn: URL (Janus takes them apart). */
export function parseTurnUrl(url: string): { host: string; port: number; transport: 'udp' | 'tcp' | 'tls' } {
  const match = /^(turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/.exec(url);
  if (!match) throw new TypeError(`not a turn: URL: ${url}`);
  const secure = match[1] === 'turns';
  return {
    host: match[2]!.replace(/^\[|\]$/g, ''),
    port: match[3] !== undefined ? Number(match[3]) : secure ? 5349 : 3478,
    transport: secure ? 'tls' : (match[4] as 'udp' | 'tcp' | undefined) ?? 'udp',
  };
}
