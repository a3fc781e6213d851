// The configuration of a private Janus (docs/platform-facts.md section 2): only the VideoRoom plugin and the
// WebSocket transport, every listener on a UNIX socket or loopback, ICE restricted to one address,
// no STUN, the session server's TURN server when it has one, no IPv6, secrets of its own.

/** Janus's TURN relay (nat.turn_*): the session server's TURN with a credential of its own. */
export interface JanusTurn {
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  username: string;
  credential: string;
}

export interface JanusConfigOptions {
  /** Folder the .jcfg files are written to (Janus's configs_folder). */
  configDir: string;
  /** UNIX socket path of the WebSocket API. */
  apiSocket: string;
  /** UNIX socket path of the admin WebSocket API. */
  adminSocket: string;
  apiSecret: string;
  adminSecret: string;
  /** ice_enforce_list: the address or interface Janus gathers ICE candidates on. */
  iceEnforce: string;
  /** RTP port range, "min-max". */
  rtpPortRange: string;
  /** Janus log verbosity 0-7. */
  debugLevel: number;
  /** general.event_loops: 0 (default) for a thread per handle, else 1-64 shared loops. */
  eventLoops?: number;
  /** A TURN server Janus relays through (clients behind NATs that refuse inbound connections). */
  turn?: JanusTurn;
}

const LIB = '/usr/lib/x86_64-linux-gnu/janus';

/** libjanus_*.so files Janus would otherwise load: everything but what the router uses. */
const UNUSED_PLUGINS = ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'streaming', 'textroom',
  'videocall', 'voicemail'];
const UNUSED_TRANSPORTS = ['http', 'mqtt', 'nanomsg', 'pfunix', 'rabbitmq'];
const UNUSED_EVENT_HANDLERS = ['gelfevh', 'mqttevh', 'nanomsgevh', 'rabbitmqevh', 'sampleevh', 'wsevh'];

/** A jcfg (libconfig) string literal. */
function q(value: string): string {
  if (/["\\\n]/.test(value)) throw new TypeError(`unsupported character in Janus config value: ${value}`);
  return `"${value}"`;
}

function libs(names: string[]): string {
  return q(names.map((name) => `libjanus_${name}.so`).join(','));
}

function turnLines(turn: JanusTurn): string {
  if (!Number.isInteger(turn.port) || turn.port < 1 || turn.port > 65535) throw new TypeError(`bad TURN port ${turn.port}`);
  return `  turn_server = ${q(turn.host)}
  turn_port = ${turn.port}
  turn_type = ${q(turn.transport)}
  turn_user = ${q(turn.username)}
  turn_pwd = ${q(turn.credential)}
`;
}

/** File name → contents of every .jcfg the private instance reads. */
export function janusConfigFiles(opts: JanusConfigOptions): Record<string, string> {
  if (!/^\d+-\d+$/.test(opts.rtpPortRange)) throw new TypeError(`rtpPortRange must be "min-max", not ${opts.rtpPortRange}`);
  const eventLoops = opts.eventLoops ?? 0;
  if (!Number.isInteger(eventLoops) || eventLoops < 0 || eventLoops > 64) {
    throw new TypeError(`eventLoops must be an integer from 0 to 64, not ${eventLoops}`);
  }
  return {
    'janus.jcfg': `general: {
  configs_folder = ${q(opts.configDir)}
  plugins_folder = ${q(`${LIB}/plugins`)}
  transports_folder = ${q(`${LIB}/transports`)}
  events_folder = ${q(`${LIB}/events`)}
  loggers_folder = ${q(`${LIB}/loggers`)}
  debug_level = ${Math.max(0, Math.min(7, Math.trunc(opts.debugLevel)))}
  api_secret = ${q(opts.apiSecret)}
  admin_secret = ${q(opts.adminSecret)}
  session_timeout = 60
${eventLoops > 0 ? `  event_loops = ${eventLoops}\n` : ''}  hide_dependencies = true
  exit_on_dl_error = true
}
certificates: {
}
media: {
  ipv6 = false
  rtp_port_range = ${q(opts.rtpPortRange)}
  no_media_timer = 2
}
nat: {
  nice_debug = false
  full_trickle = false
  ice_enforce_list = ${q(opts.iceEnforce)}
  ignore_mdns = true
${opts.turn ? turnLines(opts.turn) : ''}}
plugins: {
  disable = ${libs(UNUSED_PLUGINS)}
}
transports: {
  disable = ${libs(UNUSED_TRANSPORTS)}
}
loggers: {
  disable = ${libs(['jsonlog'])}
}
events: {
  broadcast = false
  disable = ${libs(UNUSED_EVENT_HANDLERS)}
}
`,
    'janus.transport.websockets.jcfg': `general: {
  json = "plain"
  ws = true
  ws_unix = ${q(opts.apiSocket)}
  wss = false
}
admin: {
  admin_ws = true
  admin_ws_unix = ${q(opts.adminSocket)}
  admin_wss = false
}
`,
    // No static rooms: the session server creates one per routed session.
    'janus.plugin.videoroom.jcfg': `general: {
  lock_rtp_forward = true
}
`,
  };
}
