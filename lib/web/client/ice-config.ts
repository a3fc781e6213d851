// The ICE servers of every peer connection: those the session server hands this connection in
// its connect ack (STUN, and TURN with a credential of its own), plus the page's own, and
// relay-only when asked (the Linux SDK's otc_custom_ice_config, in the Node API's shape).

/** One ICE server the page adds (RTCIceServer's shape). */
export interface IceServerConfig {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface IceConfig {
  /** Servers added to the session server's. */
  iceServers?: IceServerConfig[];
  /** Relay candidates only (iceTransportPolicy 'relay'): media always goes through a TURN server. */
  forceTurn?: boolean;
  /** Ignore the ICE servers the session server hands out: only these are used (as the C API's use_custom_turn_only). */
  useCustomTurnOnly?: boolean;
}

/** What a peer connection is made with. */
export interface PeerIce {
  iceServers: RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
}

const ICE_URL = /^(stuns?|turns?):\S{1,250}$/;

/** Checks the page's ICE configuration (TypeError for anything malformed); returns a copy. */
export function checkIceConfig(config: unknown): IceConfig {
  if (typeof config !== 'object' || config === null) throw new TypeError('iceConfig must be an object');
  const { iceServers, forceTurn, useCustomTurnOnly } = config as Record<string, unknown>;
  if (forceTurn !== undefined && typeof forceTurn !== 'boolean') throw new TypeError('iceConfig.forceTurn must be a boolean');
  if (useCustomTurnOnly !== undefined && typeof useCustomTurnOnly !== 'boolean') throw new TypeError('iceConfig.useCustomTurnOnly must be a boolean');
  if (iceServers !== undefined && (!Array.isArray(iceServers) || iceServers.length > 16)) throw new TypeError('iceConfig.iceServers must be an array of at most 16 servers');
  const servers = ((iceServers ?? []) as unknown[]).map((server, i) => {
    if (typeof server !== 'object' || server === null) throw new TypeError(`iceConfig.iceServers[${i}] must be an object`);
    const { urls, username, credential } = server as Record<string, unknown>;
    const list = typeof urls === 'string' ? [urls] : urls;
    if (!Array.isArray(list) || list.length === 0 || !list.every((u) => typeof u === 'string' && ICE_URL.test(u))) {
      throw new TypeError(`iceConfig.iceServers[${i}].urls must be stun:, stuns:, turn: or turns: URLs`);
    }
    if (username !== undefined && typeof username !== 'string') throw new TypeError(`iceConfig.iceServers[${i}].username must be a string`);
    if (credential !== undefined && typeof credential !== 'string') throw new TypeError(`iceConfig.iceServers[${i}].credential must be a string`);
    if (list.some((u: string) => u.startsWith('turn')) && (username === undefined || credential === undefined)) {
      throw new TypeError(`iceConfig.iceServers[${i}]: a TURN server needs username and credential`);
    }
    return { urls: [...list] as string[], ...(username !== undefined && { username }), ...(credential !== undefined && { credential }) };
  });
  return {
    iceServers: servers, ...(forceTurn !== undefined && { forceTurn }), ...(useCustomTurnOnly !== undefined && { useCustomTurnOnly }),
  };
}

/** The server's `iceServers` (as received: anything malformed is left out) merged with the page's. */
export function peerIce(fromServer: unknown, custom: IceConfig = {}): PeerIce {
  const servers: RTCIceServer[] = [];
  for (const entry of Array.isArray(fromServer) ? fromServer : []) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { urls, username, credential } = entry as Record<string, unknown>;
    if (custom.useCustomTurnOnly) break;
    const list = (typeof urls === 'string' ? [urls] : Array.isArray(urls) ? urls : []).filter((u): u is string => typeof u === 'string' && ICE_URL.test(u));
    if (list.length === 0) continue;
    servers.push({
      urls: list, ...(typeof username === 'string' && { username }), ...(typeof credential === 'string' && { credential }),
    });
  }
  for (const server of custom.iceServers ?? []) servers.push({ ...server, urls: [...(typeof server.urls === 'string' ? [server.urls] : server.urls)] });
  return { iceServers: servers, iceTransportPolicy: custom.forceTurn ? 'relay' : 'all' };
}

/** The selected candidate pair of a peer connection, as the Node API's stats name it. */
export interface SelectedPair {
  /** 'host' | 'srflx' | 'prflx' | 'relay', '' before a pair is selected. */
  localCandidateType: string;
  remoteCandidateType: string;
  /** How a relay local candidate reaches its TURN server: 'udp', 'tcp', 'tls'; '' otherwise. */
  relayProtocol: string;
}

/** The selected pair from a getStats() report (the transport's selectedCandidatePairId). */
export function selectedPair(report: RTCStatsReport | null | undefined): SelectedPair {
  const none: SelectedPair = { localCandidateType: '', remoteCandidateType: '', relayProtocol: '' };
  if (!report) return none;
  const entries = new Map<string, Record<string, unknown>>();
  report.forEach((entry: Record<string, unknown>) => entries.set(String(entry['id']), entry));
  let pair: Record<string, unknown> | undefined;
  for (const entry of entries.values()) {
    if (entry['type'] === 'transport' && typeof entry['selectedCandidatePairId'] === 'string') pair = entries.get(entry['selectedCandidatePairId']);
  }
  if (!pair) return none;
  const local = entries.get(String(pair['localCandidateId']));
  const remote = entries.get(String(pair['remoteCandidateId']));
  const type = (c: Record<string, unknown> | undefined): string => (typeof c?.['candidateType'] === 'string' ? c['candidateType'] : '');
  return {
    localCandidateType: type(local), remoteCandidateType: type(remote),
    relayProtocol: type(local) === 'relay' && typeof local?.['relayProtocol'] === 'string' ? local['relayProtocol'] : '',
  };
}
