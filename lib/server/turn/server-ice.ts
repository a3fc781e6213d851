// What the session server does with its ICE options: the STUN/TURN servers it hands clients, a
// private coturn when asked for one, and the TURN relay of the private Janus it starts.
import { IceServers, type IceOptions, parseTurnUrl } from '../ice-servers';
import type { JanusTurn } from '../router/janus-config';
import { PrivateTurn } from './private-turn';
import type { TurnProcessOptions } from './turn-process';

export interface SessionIceOptions extends IceOptions {
  /**
   * Start a private coturn (Debian `coturn`) with a random shared secret and hand clients its
   * STUN and TURN URLs; excludes `turn` (one shared secret). `ttlSeconds` as for `turn`.
   */
  privateTurn?: TurnProcessOptions & { ttlSeconds?: number };
}

export interface ServerIce {
  servers: IceServers;
  privateTurn?: PrivateTurn;
}

/** How long the private Janus's TURN credential lasts: it is renewed each time Janus (re)starts. */
const JANUS_TURN_TTL_SECONDS = 30 * 86_400;

export async function startIce(opts: SessionIceOptions, log: (line: string) => void = () => undefined): Promise<ServerIce> {
  if (opts.privateTurn && opts.turn) throw new TypeError('ice.privateTurn and ice.turn exclude each other (a private TURN server has its own secret)');
  if (!opts.privateTurn) return { servers: new IceServers(opts) };
  const { ttlSeconds, ...processOptions } = opts.privateTurn;
  // Checked before anything starts.
  new IceServers({ stun: opts.stun ?? [], turn: { urls: ['turn:0.0.0.0'], secret: 'x', ...(ttlSeconds !== undefined && { ttlSeconds }) } });
  const privateTurn = await PrivateTurn.start(processOptions, log);
  const own = privateTurn.iceOptions(ttlSeconds);
  return { servers: new IceServers({ stun: [...(opts.stun ?? []), ...(own.stun ?? [])], ...(own.turn && { turn: own.turn }) }), privateTurn };
}

/** The private Janus's TURN relay: the first UDP TURN URL (else the first), with a fresh credential at each start. */
export function janusTurnOf(servers: IceServers): (() => JanusTurn | undefined) | undefined {
  const urls = servers.turnUrls;
  if (urls.length === 0) return undefined;
  const url = urls.find((u) => parseTurnUrl(u).transport === 'udp') ?? urls[0]!;
  const { host, port, transport } = parseTurnUrl(url);
  return () => {
    const credential = servers.turnCredential('janus', JANUS_TURN_TTL_SECONDS);
    return credential && { host, port, transport, ...credential };
  };
}
