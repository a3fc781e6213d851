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
