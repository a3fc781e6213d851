// The session protocol's WebSocket (docs/protocol.md section 3): requests answered by ack or
// error with the same id, events without one. Every message of the server is checked against
// the protocol's types (lib/protocol/parse-server-message.ts) before the client reads it.
import { ErrorCode } from '../../error-code';
import type { AckOf, OutgoingRequest, RequestType, ServerEvent } from '../../protocol/messages';
import { SIGNALING_SUBPROTOCOL } from '../../protocol/messages';
import { checkAck, parseServerMessage } from '../../protocol/parse-server-message';
import { ServerFloodGuard } from '../flood-guard';

/** The answer to a request of type T: its ack, or the error (the server's, or the client's own). */
export type Reply<T extends RequestType = RequestType> =
  | { ok: true; ack: AckOf<T> }
  | { ok: false; code: ErrorCode; message: string };

export type { ServerEvent } from '../../protocol/messages';

const REQUEST_TIMEOUT_MS = 10_000;

interface Pending {
  type: RequestType;
  done: (reply: Reply) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class SignalingSocket {
  readonly #ws: WebSocket;
  readonly #pending = new Map<string, Pending>();
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
      done({ ok: false, code: ErrorCode.OTC_SESSION_CONNECTION_DROPPED, message: 'the connection to the session server closed' });
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
        ws = new WebSocket(url, SIGNALING_SUBPROTOCOL);
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

  request<R extends OutgoingRequest>(message: R): Promise<Reply<R['type']>> {
    return new Promise((resolve) => {
      if (this.#ws.readyState !== WebSocket.OPEN) {
        resolve({ ok: false, code: ErrorCode.OTC_SESSION_NOT_CONNECTED, message: 'not connected to the session server' });
        return;
      }
      const id = String(this.#nextId++);
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ ok: false, code: ErrorCode.OTC_SESSION_CONNECTION_TIMED_OUT, message: `no answer to ${message.type} within ${REQUEST_TIMEOUT_MS} ms` });
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, { type: message.type, done: resolve as (reply: Reply) => void, timer });
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
    const message = parseServerMessage(data);
    switch (message.kind) {
      case 'event': return this.onEvent(message.event);
      case 'invalid':
        console.warn(`ignored a message of the session server: ${message.reason}`);
        return;
      case 'ack':
      case 'error': {
        const id = message.kind === 'ack' ? message.id : message.reply.id;
        const pending = this.#pending.get(id);
        if (!pending) return;
        this.#pending.delete(id);
        clearTimeout(pending.timer);
        if (message.kind === 'error') {
          pending.done({ ok: false, code: message.reply.code as ErrorCode, message: message.reply.message });
          return;
        }
        const checked = checkAck(pending.type, id, message.fields);
        pending.done(checked.ok ? { ok: true, ack: checked.ack }
          : { ok: false, code: ErrorCode.OTC_SESSION_INTERNAL_ERROR, message: `the session server's ack to ${pending.type} is malformed: ${checked.reason}` });
      }
    }
  }
}
