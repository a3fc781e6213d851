// The session protocol's WebSocket (docs/protocol.md section 3): requests answered by ack or
// error with the same id, events without one.
import { ServerFloodGuard } from '../flood-guard';

export interface Reply {
  ok: boolean;
  /** The ack's or error's fields. */
  body: Record<string, unknown>;
  /** With !ok: the error's code (a node-otc result code) and message. */
  code: number;
  message: string;
}

export type ServerEvent = Record<string, unknown> & { type: string };

const SUBPROTOCOL = 'otc-signaling-v1';
const REQUEST_TIMEOUT_MS = 10_000;

export class SignalingSocket {
  readonly #ws: WebSocket;
  readonly #pending = new Map<string, { done: (reply: Reply) => void; timer: ReturnType<typeof setTimeout> }>();
  #nextId = 1;
  /** Refuses a server that floods the client (size and rate of its messages). */
  readonly #guard = new ServerFloodGuard();
  #finished = false;
  onEvent: (event: ServerEvent) => void = () => undefined;
  onClose: (code: number, reason: string) => void = () => undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (message) => this.#onMessage(message.data);
    ws.onclose = (close) => this.#finish(close.code, close.reason);
  }

  #finish(code: number, reason: string): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const { done, timer } of this.#pending.values()) {
      clearTimeout(timer);
      done({ ok: false, body: {}, code: 1022, message: 'the connection to the session server closed' });
    }
    this.#pending.clear();
    this.onClose(code, reason);
  }

  /** Stops reading a server that floods the client: closed at once, reported as 1008 with the reason. */
  #refuse(reason: string): void {
    this.#ws.onmessage = null;
    this.#ws.close(4000, 'the client refuses a server that floods it');
    this.#finish(1008, `refused: ${reason}`);
  }

  /** Opens the socket; rejects with a message when it cannot within timeoutMs. */
  static open(url: string, timeoutMs: number): Promise<SignalingSocket> {
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new WebSocket(url, SUBPROTOCOL);
      } catch (error) {
        reject(new Error(`bad signaling URL ${url}: ${error instanceof Error ? error.message : String(error)}`));
        return;
      }
      const timer = setTimeout(() => {
        ws.close();
        reject(new Error(`no answer from ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.onopen = () => {
        clearTimeout(timer);
        resolve(new SignalingSocket(ws));
      };
      ws.onerror = () => {
        clearTimeout(timer);
        reject(new Error(`cannot reach the session server at ${url}`));
      };
    });
  }

  request(message: Record<string, unknown> & { type: string }): Promise<Reply> {
    return new Promise((resolve) => {
      if (this.#ws.readyState !== WebSocket.OPEN) {
        resolve({ ok: false, body: {}, code: 1010, message: 'not connected to the session server' });
        return;
      }
      const id = String(this.#nextId++);
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ ok: false, body: {}, code: 1021, message: `no answer to ${message.type} within ${REQUEST_TIMEOUT_MS} ms` });
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, { done: resolve, timer });
      this.#ws.send(JSON.stringify({ ...message, id }));
    });
  }

  close(): void {
    this.#ws.close(1000);
  }

  #onMessage(data: unknown): void {
    if (this.#finished) return;
    const refusal = this.#guard.admit(typeof data === 'string' ? data.length : 0);
    if (refusal) return this.#refuse(refusal);
    if (typeof data !== 'string') return;
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return;
    }
    const type = message['type'];
    if (typeof type !== 'string') return;
    const id = message['id'];
    if ((type === 'ack' || type === 'error') && typeof id === 'string') {
      const pending = this.#pending.get(id);
      if (!pending) return;
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.done({
        ok: type === 'ack', body: message,
        code: typeof message['code'] === 'number' ? message['code'] : 0,
        message: typeof message['message'] === 'string' ? message['message'] : '',
      });
      return;
    }
    this.onEvent(message as ServerEvent);
  }
}
