// `serve`'s ICE flags: the STUN/TURN servers handed to clients, a private coturn (--turn) or the
// operator's own TURN servers with their shared secret.
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { type Out, UsageError, type Values, numberArgument } from './args';
import type { SessionIceOptions } from '../server/turn/server-ice';

export const ICE_FLAGS = {
  turn: 'boolean', 'turn-ip': 'string', 'turn-port': 'string', 'turn-relay-ports': 'string', 'turn-ttl': 'string',
  'turn-url': 'strings', 'turn-secret': 'string', 'turn-secret-file': 'string', 'stun-url': 'strings',
} as const;

export const ICE_USAGE = `      ICE servers handed to every client (and to the private Janus, for TURN):
        --turn: a private coturn (Debian coturn) with a random shared secret (or --turn-secret(-file):
          credentials then outlive a restart of the server), on --turn-ip (default --host; required
          when --host is a wildcard) port --turn-port (default 3478), relay ports --turn-relay-ports
          MIN-MAX (default 49152-65535)
        --turn-url URL (repeatable: turn:host:port?transport=udp|tcp, turns:host:port) with
          --turn-secret S or --turn-secret-file F (its first line): your TURN servers'
          static-auth-secret (coturn use-auth-secret)
        --turn-ttl SECONDS: how long each connection's TURN credential lasts (default 86400)
        --stun-url URL (repeatable): stun:host:port`;

function secretFrom(values: Values): string | undefined {
  const inline = values['turn-secret'] as string | undefined;
  const file = values['turn-secret-file'] as string | undefined;
  if (inline !== undefined && file !== undefined) throw new UsageError('--turn-secret and --turn-secret-file exclude each other');
  if (file === undefined) return inline;
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[0];
  } catch (err) {
    throw new UsageError(`cannot read --turn-secret-file: ${(err as Error).message}`);
  }
}

/** The server's `ice` option from the flags; undefined when none is given. */
export function iceOptionsFromFlags(values: Values, host: string, out: Out): SessionIceOptions | undefined {
  const turnUrls = (values['turn-url'] as string[] | undefined) ?? [];
  const stun = (values['stun-url'] as string[] | undefined) ?? [];
  const secret = secretFrom(values);
  const ttl = numberArgument(values, 'turn-ttl', 60, 30 * 86_400);
  const ttlSeconds = ttl === undefined ? undefined : Math.trunc(ttl);
  const privateFlags = ['turn-ip', 'turn-port', 'turn-relay-ports'].filter((f) => values[f] !== undefined);
  if (values['turn']) {
    if (turnUrls.length > 0) throw new UsageError('--turn (a private TURN server) excludes --turn-url');
    const ip = (values['turn-ip'] as string | undefined) ?? host;
    if (net.isIP(ip) === 0) throw new UsageError(`--turn-ip must be an IP address, not ${ip}`);
    if (ip === '0.0.0.0' || ip === '::') throw new UsageError('--turn needs one address clients reach: give --turn-ip (the server listens on a wildcard)');
    if (ip.startsWith('127.') || ip === '::1') {
      out('note: the private TURN server listens on a loopback address: only clients on this machine reach it (give --turn-ip)');
    }
    const port = numberArgument(values, 'turn-port', 1, 65535);
    const relayPorts = values['turn-relay-ports'] as string | undefined;
    if (relayPorts !== undefined) {
      const match = /^(\d+)-(\d+)$/.exec(relayPorts);
      if (!match || Number(match[1]) < 1024 || Number(match[2]) > 65535 || Number(match[1]) > Number(match[2])) {
        throw new UsageError(`--turn-relay-ports must be MIN-MAX within 1024-65535, not ${relayPorts}`);
      }
    }
    return {
      ...(stun.length > 0 && { stun }),
      privateTurn: {
        ip, ...(port !== undefined && { port: Math.trunc(port) }), ...(relayPorts !== undefined && { relayPorts }),
        ...(secret !== undefined && { secret }),
        ...(ttlSeconds !== undefined && { ttlSeconds }),
        // Errors only: coturn's start-up banner is long.
        log: (line) => {
          if (/error|cannot|failed/i.test(line)) out(`${new Date().toISOString()} turn: ${line}`);
        },
      },
    };
  }
  if (privateFlags.length > 0) throw new UsageError(`--${privateFlags[0]} needs --turn`);
  if (turnUrls.length > 0 && secret === undefined) throw new UsageError('--turn-url needs --turn-secret or --turn-secret-file (coturn static-auth-secret)');
  if (secret !== undefined && turnUrls.length === 0) throw new UsageError('--turn-secret needs --turn-url');
  if (ttlSeconds !== undefined && turnUrls.length === 0) throw new UsageError('--turn-ttl needs --turn or --turn-url');
  if (turnUrls.length === 0 && stun.length === 0) return undefined;
  return {
    ...(stun.length > 0 && { stun }),
    ...(turnUrls.length > 0 && { turn: { urls: turnUrls, secret: secret!, ...(ttlSeconds !== undefined && { ttlSeconds }) } }),
  };
}
