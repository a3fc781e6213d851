// Who may hold a socket or a connection of the session server: counts per remote address, per
// token and in all, against ServerLimits. One object per server, shared by HTTP and signaling.
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import type { ServerLimits } from './limits';
import { Counter } from './rate-limiter';

/**
 * The key of a remote address: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 (one host
 * usually holds a whole /64, so per-address limits by full IPv6 address would limit nothing).
 */
export function addressKey(address: string | undefined): string {
  if (!address) return '?';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!net.isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** The key of a token for the per-token limit (a digest: tokens are credentials, not kept). */
export function tokenKey(token: string): string {
  return crypto.createHash('sha256').update(token).digest('base64url').slice(0, 22);
}

function socketKey(socket: net.Socket): string {
  return `${socket.remoteAddress ?? '?'}|${socket.remotePort ?? '?'}`;
}

interface SocketState {
  address: string;
  authenticated: boolean;
}

export class Admission {
  readonly #limits: ServerLimits;
  /**
   * By remote address and port, not by socket object: over TLS the request's socket is a
   * TLSSocket wrapping the TCP socket counted at accept time.
   */
  readonly #sockets = new Map<string, SocketState>();
  readonly #unauthenticatedByAddress = new Counter();
  readonly #connectionsByAddress = new Counter();
  readonly #connectionsByToken = new Counter();
  #unauthenticated = 0;

  constructor(limits: ServerLimits) {
    this.#limits = limits;
  }

  /** Sockets open that are not connected signaling clients. */
  get unauthenticated(): number {
    return this.#unauthenticated;
  }

  /**
   * A new TCP socket: counted as unauthenticated until it becomes a connected signaling client or
   * closes. Returns a refusal message when the address or the server holds too many already.
   */
  admitSocket(socket: net.Socket): string | undefined {
    const address = addressKey(socket.remoteAddress);
    if (this.#unauthenticated >= this.#limits.maxUnauthenticated) {
      return `the server holds ${this.#limits.maxUnauthenticated} unauthenticated sockets: its limit`;
    }
    if (this.#unauthenticatedByAddress.get(address) >= this.#limits.maxUnauthenticatedPerAddress) {
      return `this address holds ${this.#limits.maxUnauthenticatedPerAddress} unauthenticated sockets: the server's limit`;
    }
    const state: SocketState = { address, authenticated: false };
    const key = socketKey(socket);
    this.#sockets.set(key, state);
    this.#unauthenticatedByAddress.add(address);
    this.#unauthenticated += 1;
    socket.once('close', () => {
      if (this.#sockets.get(key) === state) this.#sockets.delete(key);
      if (!state.authenticated) this.#release(state);
    });
    return undefined;
  }

  #release(state: SocketState): void {
    this.#unauthenticatedByAddress.remove(state.address);
    this.#unauthenticated -= 1;
  }

  /**
   * A client on `socket` (relayed for `relayedFor`, cluster mode) passed `connect` with `token`: checks the per-address and per-token
   * limits and, when admitted, holds its counts until the returned release() (idempotent).
   */
  admitConnection(socket: net.Socket, token: string, relayedFor?: string):
    { ok: true; release: () => void; addressKey: string; tokenKey: string } | { ok: false; message: string } {
    const state = this.#sockets.get(socketKey(socket));
    // A client relayed by another process of the cluster counts under its own address, not the process's.
    const address = relayedFor !== undefined ? addressKey(relayedFor) : state?.address ?? addressKey(socket.remoteAddress);
    const key = tokenKey(token);
    if (this.#connectionsByAddress.get(address) >= this.#limits.maxConnectionsPerAddress) {
      return { ok: false, message: `this address has ${this.#limits.maxConnectionsPerAddress} connections: the server's limit` };
    }
    if (this.#connectionsByToken.get(key) >= this.#limits.maxConnectionsPerToken) {
      return { ok: false, message: `this token is used by ${this.#limits.maxConnectionsPerToken} connections: the server's limit` };
    }
    this.#connectionsByAddress.add(address);
    this.#connectionsByToken.add(key);
    this.#authenticated(state);
    return { ok: true, release: this.#releaser(address, key), addressKey: address, tokenKey: key };
  }

  /**
   * A socket whose client passed its token check and is relayed to another process of the cluster:
   * no longer counted as unauthenticated here (its connection is counted where it is served).
   */
  relayed(socket: net.Socket): void {
    this.#authenticated(this.#sockets.get(socketKey(socket)));
  }

  /** The socket is no stranger's any more: its unauthenticated counts are given back (once). */
  #authenticated(state: SocketState | undefined): void {
    if (state && !state.authenticated) {
      state.authenticated = true;
      this.#release(state);
    }
  }

  /**
   * Holds the counts of a connection a restarted server read back from its data directory
   * (its client is away, as a detached connection is): not checked against the limits, it was
   * admitted before. Returns its release() (idempotent).
   */
  holdRestoredConnection(address: string, key: string): () => void {
    this.#connectionsByAddress.add(address);
    this.#connectionsByToken.add(key);
    return this.#releaser(address, key);
  }

  #releaser(address: string, key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#connectionsByAddress.remove(address);
      this.#connectionsByToken.remove(key);
    };
  }
}
