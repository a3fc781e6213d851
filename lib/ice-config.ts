import { requireType } from './errors';

/** A selected candidate pair's end, as RTCIceCandidateStats.candidateType; '' before one is selected. */
export type IceCandidateType = 'host' | 'srflx' | 'prflx' | 'relay' | '';

/** One STUN or TURN server, as RTCIceServer. TURN servers need username and credential. */
export interface IceServer {
  /** "stun:host:port", "turn:host:port?transport=udp", "turns:host:port?transport=tcp", ... */
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * The client's own ICE configuration (the Linux SDK's custom ICE configuration,
 * `otc_session_settings_set_custom_ice_config`).
 */
export interface IceConfig {
  /** Added to the ICE servers the session server hands out (or instead of them: useCustomTurnOnly). */
  iceServers?: IceServer[];
  /** Relay (TURN) candidates only. */
  forceTurn?: boolean;
  /** Ignore the session server's ICE servers. */
  useCustomTurnOnly?: boolean;
  /**
   * How long a peer connection may take to connect before its publisher or subscriber reports
   * an "ICE failed: ..." error (1610 / 1600); 1000 to 600000 ms, default 30000.
   */
  connectTimeoutMs?: number;
}

const MAX_SERVERS = 16;
const MAX_URLS = 8;

/** Checks the shape (TypeError); the values (URL syntax, lengths) are the C API's to check (OtcError 1011). */
export function checkIceConfig(value: unknown): IceConfig {
  requireType(typeof value === 'object' && value !== null && !Array.isArray(value), 'options.iceConfig', 'an object');
  const config = value as Record<string, unknown>;
  for (const key of ['forceTurn', 'useCustomTurnOnly'] as const) {
    requireType(config[key] === undefined || typeof config[key] === 'boolean', `options.iceConfig.${key}`, 'a boolean');
  }
  const timeout = config['connectTimeoutMs'];
  requireType(timeout === undefined || (Number.isInteger(timeout) && (timeout as number) >= 1000 && (timeout as number) <= 600000),
    'options.iceConfig.connectTimeoutMs', 'an integer from 1000 to 600000');
  const servers = config['iceServers'];
  requireType(servers === undefined || (Array.isArray(servers) && servers.length <= MAX_SERVERS),
    'options.iceConfig.iceServers', `an array of at most ${MAX_SERVERS} servers`);
  const out: IceServer[] = [];
  for (const [i, server] of ((servers ?? []) as unknown[]).entries()) {
    const where = `options.iceConfig.iceServers[${i}]`;
    requireType(typeof server === 'object' && server !== null && !Array.isArray(server), where, 'an object');
    const { urls, username, credential } = server as Record<string, unknown>;
    requireType(typeof urls === 'string' || (Array.isArray(urls) && urls.length > 0 && urls.length <= MAX_URLS &&
      urls.every((url) => typeof url === 'string')), `${where}.urls`, `a string or an array of 1 to ${MAX_URLS} strings`);
    requireType(username === undefined || typeof username === 'string', `${where}.username`, 'a string');
    requireType(credential === undefined || typeof credential === 'string', `${where}.credential`, 'a string');
    out.push({
      urls: typeof urls === 'string' ? urls : [...(urls as string[])],
      ...(username !== undefined && { username: username as string }),
      ...(credential !== undefined && { credential: credential as string }),
    });
  }
  return {
    iceServers: out,
    ...(config['forceTurn'] !== undefined && { forceTurn: config['forceTurn'] as boolean }),
    ...(config['useCustomTurnOnly'] !== undefined && { useCustomTurnOnly: config['useCustomTurnOnly'] as boolean }),
    ...(timeout !== undefined && { connectTimeoutMs: timeout as number }),
  };
}
