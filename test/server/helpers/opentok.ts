// The real OpenTok Node server SDK (npm `opentok`, untyped), with just the types the tests use.
export interface OpenTokSession {
  sessionId: string;
}

export interface OpenTokClient {
  createSession(opts: Record<string, unknown>, callback: (err: Error | null, session?: OpenTokSession) => void): void;
  generateToken(sessionId: string, opts?: Record<string, unknown>, legacy?: boolean): string;
}

type OpenTokConstructor = new (apiKey: string, apiSecret: string, env?: { apiUrl: string }) => OpenTokClient;

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const OpenTok = require('opentok') as OpenTokConstructor;

export function createSession(ot: OpenTokClient, opts: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    ot.createSession(opts, (err, session) => (err || !session ? reject(err ?? new Error('no session')) : resolve(session.sessionId)));
  });
}

/** The SDK's methods by name (node-style callbacks last). */
export type Sdk = Record<string, (...args: unknown[]) => unknown>;

export function openTokFor(server: { apiKey: string; apiSecret: string; url: string }): Sdk {
  return new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url }) as unknown as Sdk;
}

/** Calls an SDK method with a node-style callback; resolves with [error, value] (rejects after 10 s without an answer). */
export function sdkCall(ot: Sdk, name: string, ...args: unknown[]): Promise<[Error | null, unknown]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no answer within 10 s`)), 10_000);
    ot[name]!(...args, (err: Error | null, value?: unknown) => {
      clearTimeout(timer);
      resolve([err, value]);
    });
  });
}
