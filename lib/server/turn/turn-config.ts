// The configuration of a private coturn (Debian `coturn`, `man turnserver`): the TURN REST API's
// shared-secret credentials (use-auth-secret, a random static-auth-secret), plain UDP and TCP
// listeners on one address, no TLS/DTLS listeners, no CLI, no multicast peers, its database and
// pid file in the private folder, its log on stdout.
//
// Relaying is refused by coturn's own defaults to loopback peers (127.0.0.0/8, ::1: there is no
// allow-loopback-peers here) and, with no-multicast-peers, to multicast/broadcast addresses; every
// other address is allowed (coturn 4.6.1 denies no private range by itself). Tests use
// 198.18.0.0/15 inside namespaces of their own, which needs nothing more.

export interface TurnConfigOptions {
  /** The private folder (0700): database and pid file. */
  dir: string;
  /** Address the listeners bind (listening-ip). */
  listeningIp: string;
  /** Address relayed traffic leaves from (relay-ip). */
  relayIp: string;
  /** UDP and TCP listening port. */
  port: number;
  /** Relay ports, inclusive. */
  minPort: number;
  maxPort: number;
  realm: string;
  /** The static-auth-secret credentials are computed with (turn-credentials.ts). */
  secret: string;
  /** Addresses or ranges ("a.b.c.d" or "a.b.c.d-e.f.g.h") peers may not have (denied-peer-ip). */
  deniedPeers?: string[];
}

const IPV4_OR_6 = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]+)$/;

function line(name: string, value: string): string {
  if (/[\s"#]/.test(value) || value === '') {
    throw new TypeError(`unsupported value for coturn's ${name}${name.includes('secret') ? ' (no spaces, quotes or "#")' : `: ${JSON.stringify(value)}`}`);
  }
  return `${name}=${value}`;
}

/** turnserver.conf for the private coturn. */
export function turnConfigFile(opts: TurnConfigOptions): string {
  for (const [name, ip] of [['listening IP', opts.listeningIp], ['relay IP', opts.relayIp]] as const) {
    if (!IPV4_OR_6.test(ip)) throw new TypeError(`the TURN ${name} must be an IP address, not ${ip}`);
  }
  for (const port of [opts.port, opts.minPort, opts.maxPort]) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError(`TURN ports must be 1..65535, not ${port}`);
  }
  if (opts.minPort > opts.maxPort) throw new TypeError(`the TURN relay port range ${opts.minPort}-${opts.maxPort} is empty`);
  if (!/^[A-Za-z0-9.-]{1,64}$/.test(opts.realm)) throw new TypeError(`the TURN realm must be letters, digits, "." and "-": ${opts.realm}`);
  return [
    line('listening-ip', opts.listeningIp),
    line('relay-ip', opts.relayIp),
    line('listening-port', String(opts.port)),
    line('min-port', String(opts.minPort)),
    line('max-port', String(opts.maxPort)),
    line('realm', opts.realm),
    // The TURN REST API scheme: lt-cred-mech with passwords computed from the username (man turnserver).
    'use-auth-secret',
    line('static-auth-secret', opts.secret),
    'fingerprint',
    'no-cli',
    'no-tls',
    'no-dtls',
    'no-multicast-peers',
    'no-software-attribute',
    'no-rfc5780',
    'no-stun-backward-compatibility',
    ...(opts.deniedPeers ?? []).map((range) => line('denied-peer-ip', range)),
    line('userdb', `${opts.dir}/turndb`),
    line('pidfile', `${opts.dir}/turnserver.pid`),
    'log-file=stdout',
    'simple-log',
    '',
  ].join('\n');
}
