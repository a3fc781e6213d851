// A client socket whose session is served by another process of the cluster: this process
// relays it, message for message, over a socket of its own to the home process's signaling
// endpoint (vouched for by relay-auth.ts). Close codes and reasons pass through both ways. The
// home keeps the client's connection state; here only liveness (the client must answer pings,
// as it would at the home) and buffering bounds (a side that does not read is cut off).
import { WebSocket, type RawData } from 'ws';
import { CloseCode, SIGNALING_PATH, SIGNALING_SUBPROTOCOL } from '../../protocol/messages';
import { closeReason } from '../request-target';
import type { RelayAuth } from './relay-auth';

export interface SignalingForwardOptions {
  auth: RelayAuth;
  maxPayload: number;
  /** More than this waiting to be sent on either side closes both (a reader that stalled). */
  maxBufferedBytes: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  log: (line: string) => void;
}

/** Close codes a peer may not send in a close frame: a socket that ended so is closed as a shutdown here. */
function sendable(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

interface Relay {
  client: WebSocket;
  upstream: WebSocket;
  lastPong: number;
}

export class SignalingForward {
  readonly #opts: SignalingForwardOptions;
  readonly #relays = new Set<Relay>();
  readonly #timer: NodeJS.Timeout;

  constructor(opts: SignalingForwardOptions) {
    this.#opts = opts;
    this.#timer = setInterval(() => this.#liveness(), opts.pingIntervalMs);
    this.#timer.unref();
  }

  get count(): number {
    return this.#relays.size;
  }

  /**
   * Relays `client` to the process at `homeUrl` (http(s)://host:port): `first` (its `connect`)
   * and `queued` are sent once the upstream socket opens.
   */
  forward(client: WebSocket, clientAddress: string, homeUrl: string, first: string, queued: readonly string[]): void {
    const target = `${homeUrl.replace(/^http/, 'ws')}${SIGNALING_PATH}`;
    const upstream = new WebSocket(target, SIGNALING_SUBPROTOCOL, {
      headers: { 'x-otc-relay': this.#opts.auth.header(clientAddress) },
      maxPayload: this.#opts.maxPayload, perMessageDeflate: false, handshakeTimeout: 10_000,
    });
    const relay: Relay = { client, upstream, lastPong: Date.now() };
    this.#relays.add(relay);
    const backlog = [first, ...queued];
    let backlogBytes = backlog.reduce((sum, text) => sum + text.length, 0);
    client.removeAllListeners('message');
    client.removeAllListeners('pong');
    client.on('pong', () => {
      relay.lastPong = Date.now();
    });
    client.on('message', (data: RawData, isBinary: boolean) => {
      if (upstream.readyState !== WebSocket.CONNECTING) return this.#pass(relay, upstream, client, data, isBinary);
      // Held until the home answers, within the same bound as a socket's unread output.
      const text = data.toString();
      backlogBytes += text.length;
      if (backlogBytes > this.#opts.maxBufferedBytes) {
        upstream.terminate();
        client.close(CloseCode.SLOW_CONSUMER, closeReason(`more than ${this.#opts.maxBufferedBytes} bytes sent before the session's server process answered`));
        return;
      }
      backlog.push(text);
    });
    upstream.on('open', () => {
      for (const text of backlog.splice(0)) upstream.send(text);
    });
    upstream.on('message', (data: RawData, isBinary: boolean) => this.#pass(relay, client, upstream, data, isBinary));
    upstream.on('error', (err) => this.#opts.log(`relay to ${homeUrl}: ${err.message}`));
    upstream.on('close', (code, reason) => {
      this.#relays.delete(relay);
      // The home went away without a close frame (killed, or the link cut): the client reconnects and lands on a new home.
      if (sendable(code)) client.close(code, reason.toString());
      else client.close(CloseCode.SERVER_SHUTTING_DOWN, 'the process serving this session went away');
    });
    client.on('close', (code, reason) => {
      this.#relays.delete(relay);
      if (upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
      else if (sendable(code)) upstream.close(code, reason.toString());
      else upstream.close(1001, 'client socket dropped');
    });
  }

  #pass(relay: Relay, to: WebSocket, from: WebSocket, data: RawData, isBinary: boolean): void {
    if (to.readyState !== WebSocket.OPEN) return;
    if (to.bufferedAmount > this.#opts.maxBufferedBytes) {
      const reason = closeReason(`more than ${this.#opts.maxBufferedBytes} bytes waited to be relayed`);
      to.terminate();
      from.close(CloseCode.SLOW_CONSUMER, reason);
      this.#relays.delete(relay);
      return;
    }
    to.send(data, { binary: isBinary });
  }

  #liveness(): void {
    const now = Date.now();
    for (const relay of this.#relays) {
      if (relay.client.readyState !== WebSocket.OPEN) continue;
      if (now - relay.lastPong > this.#opts.pongTimeoutMs) {
        relay.client.terminate();
      } else {
        relay.client.ping();
      }
    }
  }

  /** Closes every relayed client with `code` (each reconnects, through another process if this one goes). */
  async closeAll(code: number, reason: string): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#relays].map((relay) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => relay.client.terminate(), 1000);
      relay.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (relay.client.readyState === WebSocket.CLOSED) resolve();
      else relay.client.close(code, reason);
      relay.upstream.terminate();
    })));
    this.#relays.clear();
  }
}
