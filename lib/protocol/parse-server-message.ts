// A client's reading of the server's messages (messages.ts, server -> client): each reply and
// event checked field by field against its type before the client acts on it, so a client never
// reads a field that is not there or of another type. Used by the browser client.
import {
  type AckOf, type ConnectionInfo, type ErrorReply, type IceServerInfo, type PeerClosedReason, type PeerEnd, type RequestType, type ServerEvent,
  MAX_VIDEO_DIMENSION, STREAM_PROPERTIES, type StreamInfo, type StreamPropertyChange, VIDEO_TYPES, type VideoType,
} from './messages';

export type ServerMessageParse =
  /** An ack: its fields are checked against the request it answers with checkAck. */
  | { kind: 'ack'; id: string; fields: Readonly<Record<string, unknown>> }
  | { kind: 'error'; reply: ErrorReply }
  | { kind: 'event'; event: ServerEvent }
  /** Not a message of the protocol (or an event this client does not know): ignored. */
  | { kind: 'invalid'; reason: string };

class Malformed extends Error {}

type Fields = Readonly<Record<string, unknown>>;

function object(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Malformed(`${what} is not an object`);
  return value as Fields;
}

function string(o: Fields, name: string): string {
  const value = o[name];
  if (typeof value !== 'string') throw new Malformed(`${name} is not a string`);
  return value;
}

function optionalString(o: Fields, name: string): string | undefined {
  return o[name] === undefined ? undefined : string(o, name);
}

function number(o: Fields, name: string): number {
  const value = o[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Malformed(`${name} is not a number`);
  return value;
}

function boolean(o: Fields, name: string): boolean {
  const value = o[name];
  if (typeof value !== 'boolean') throw new Malformed(`${name} is not a boolean`);
  return value;
}

function optionalBoolean(o: Fields, name: string): boolean | undefined {
  return o[name] === undefined ? undefined : boolean(o, name);
}

function oneOf<T extends string>(o: Fields, name: string, values: readonly T[]): T {
  const value = string(o, name);
  if (!(values as readonly string[]).includes(value)) throw new Malformed(`${name} ${JSON.stringify(value.slice(0, 40))} is not one of ${values.join(', ')}`);
  return value as T;
}

function array<T>(o: Fields, name: string, item: (value: unknown) => T): T[] {
  const value = o[name];
  if (!Array.isArray(value)) throw new Malformed(`${name} is not an array`);
  return value.map(item);
}

const CONNECTION_DESTROYED_REASONS = ['clientDisconnected', 'networkDisconnected', 'forceDisconnected'] as const;
const STREAM_DESTROYED_REASONS = ['clientUnpublished', 'forceUnpublished', ...CONNECTION_DESTROYED_REASONS] as const;
const PEER_CLOSED_REASONS: readonly PeerClosedReason[] = ['clientUnsubscribed', 'routerFailed', 'routerRestarted', ...STREAM_DESTROYED_REASONS];

export function parseConnectionInfo(value: unknown): ConnectionInfo {
  const o = object(value, 'a connection');
  return { connectionId: string(o, 'connectionId'), data: string(o, 'data'), creationTime: number(o, 'creationTime') };
}

function dimension(o: Fields, name: string): number {
  const value = number(o, name);
  if (!Number.isInteger(value) || value < 0 || value > MAX_VIDEO_DIMENSION) throw new Malformed(`${name} is not a video dimension`);
  return value;
}

function optionalDimension(o: Fields, name: string): number | undefined {
  return o[name] === undefined ? undefined : dimension(o, name);
}

function streamPropertyChange(o: Fields): StreamPropertyChange {
  const property = oneOf(o, 'property', STREAM_PROPERTIES);
  if (property === 'videoDimensions') {
    const value = object(o['value'], 'value');
    return { property, value: { width: dimension(value, 'width'), height: dimension(value, 'height') } };
  }
  return { property, value: boolean(o, 'value') };
}

export function parseStreamInfo(value: unknown): StreamInfo {
  const o = object(value, 'a stream');
  const videoWidth = optionalDimension(o, 'videoWidth');
  const videoHeight = optionalDimension(o, 'videoHeight');
  return {
    ...(videoWidth !== undefined && { videoWidth }), ...(videoHeight !== undefined && { videoHeight }),
    streamId: string(o, 'streamId'), connectionId: string(o, 'connectionId'), name: string(o, 'name'),
    hasAudio: boolean(o, 'hasAudio'), hasVideo: boolean(o, 'hasVideo'), videoType: oneOf<VideoType>(o, 'videoType', VIDEO_TYPES),
    e2ee: boolean(o, 'e2ee'), creationTime: number(o, 'creationTime'), videoCodec: string(o, 'videoCodec'), audioCodec: string(o, 'audioCodec'),
  };
}

function parseIceServer(value: unknown): IceServerInfo {
  const o = object(value, 'an ICE server');
  const urls = array(o, 'urls', (url) => {
    if (typeof url !== 'string') throw new Malformed('an ICE server URL is not a string');
    return url;
  });
  const username = optionalString(o, 'username');
  const credential = optionalString(o, 'credential');
  return { urls, ...(username !== undefined && { username }), ...(credential !== undefined && { credential }) };
}

/** The fields of a relayed negotiation event; `to` names the end it is for (absent from the router). */
function peerFields(o: Fields): { peerId: string; streamId: string; from: string; to?: PeerEnd } {
  const to = o['to'] === undefined ? undefined : oneOf(o, 'to', PEER_ENDS);
  return { peerId: string(o, 'peerId'), streamId: string(o, 'streamId'), from: string(o, 'from'), ...(to !== undefined && { to }) };
}
const PEER_ENDS = ['publisher', 'subscriber'] as const;

function event(type: string, o: Fields): ServerEvent | undefined {
  switch (type) {
    case 'connectionCreated': return { type, connection: parseConnectionInfo(o['connection']) };
    case 'connectionDestroyed':
      return { type, connectionId: string(o, 'connectionId'), reason: oneOf(o, 'reason', CONNECTION_DESTROYED_REASONS) };
    case 'streamCreated': return { type, stream: parseStreamInfo(o['stream']) };
    case 'streamDestroyed': return { type, streamId: string(o, 'streamId'), reason: oneOf(o, 'reason', STREAM_DESTROYED_REASONS) };
    case 'subscriberJoined':
      return { type, peerId: string(o, 'peerId'), streamId: string(o, 'streamId'), subscriberConnectionId: string(o, 'subscriberConnectionId') };
    case 'offer': {
      const e2ee = optionalBoolean(o, 'e2ee');
      return { type, ...peerFields(o), sdp: string(o, 'sdp'), ...(e2ee !== undefined && { e2ee }) };
    }
    case 'answer': return { type, ...peerFields(o), sdp: string(o, 'sdp') };
    case 'candidate': {
      const sdpMid = o['sdpMid'] ?? null;
      const sdpMLineIndex = o['sdpMLineIndex'] ?? null;
      if (sdpMid !== null && typeof sdpMid !== 'string') throw new Malformed('sdpMid is not a string or null');
      if (sdpMLineIndex !== null && !(typeof sdpMLineIndex === 'number' && Number.isInteger(sdpMLineIndex) && sdpMLineIndex >= 0)) {
        throw new Malformed('sdpMLineIndex is not a non-negative integer or null');
      }
      return { type, ...peerFields(o), candidate: string(o, 'candidate'), sdpMid, sdpMLineIndex };
    }
    case 'peerClosed': {
      const message = optionalString(o, 'message');
      return { type, peerId: string(o, 'peerId'), reason: oneOf(o, 'reason', PEER_CLOSED_REASONS), ...(message !== undefined && { message }) };
    }
    case 'signal': return { type, from: string(o, 'from'), signalType: string(o, 'signalType'), data: string(o, 'data') };
    case 'streamPropertyChanged': return { type, streamId: string(o, 'streamId'), ...streamPropertyChange(o) };
    case 'muteForced': {
      if (o['all'] !== undefined && o['all'] !== true) throw new Malformed('all is not true');
      return { type, streamId: string(o, 'streamId'), ...(o['all'] === true && { all: true as const }) };
    }
    case 'forceMuteChanged': return { type, active: boolean(o, 'active') };
    case 'archiveStarted':
    case 'archiveStopped':
      return { type, archiveId: string(o, 'archiveId'), name: string(o, 'name') };
    default: return undefined;
  }
}

/** Reads one text message of the server. */
export function parseServerMessage(text: string): ServerMessageParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'bad JSON' };
  }
  try {
    const o = object(value, 'a message');
    const type = string(o, 'type');
    if (type === 'ack') return { kind: 'ack', id: string(o, 'id'), fields: o };
    if (type === 'error') return { kind: 'error', reply: { type, id: string(o, 'id'), code: number(o, 'code'), message: string(o, 'message') } };
    const parsed = event(type, o);
    return parsed ? { kind: 'event', event: parsed } : { kind: 'invalid', reason: `unknown type ${JSON.stringify(type.slice(0, 40))}` };
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
    return { kind: 'invalid', reason: err.message };
  }
}

function ack(type: RequestType, id: string, o: Fields): AckOf<RequestType> {
  switch (type) {
    case 'connect': {
      const session = object(o['session'], 'session');
      const reconnected = optionalBoolean(o, 'reconnected');
      const forceMuteActive = optionalBoolean(o, 'forceMuteActive');
      return {
        type: 'ack', id, connectionId: string(o, 'connectionId'), sessionId: string(o, 'sessionId'),
        role: oneOf(o, 'role', ['publisher', 'publisheronly', 'subscriber', 'moderator'] as const), data: string(o, 'data'),
        session: { e2ee: boolean(session, 'e2ee'), mediaMode: oneOf(session, 'mediaMode', ['relayed', 'routed'] as const) },
        connections: array(o, 'connections', parseConnectionInfo), streams: array(o, 'streams', parseStreamInfo),
        iceServers: array(o, 'iceServers', parseIceServer), reconnectToken: string(o, 'reconnectToken'),
        ...(reconnected !== undefined && { reconnected }), ...(forceMuteActive === true && { forceMuteActive }),
      };
    }
    case 'publish': {
      const peerId = optionalString(o, 'peerId');
      return { type: 'ack', id, streamId: string(o, 'streamId'), ...(peerId !== undefined && { peerId }) };
    }
    case 'subscribe': return { type: 'ack', id, peerId: string(o, 'peerId') };
    default: return { type: 'ack', id };
  }
}

/** The ack of a request of type T, checked; or why it is not one. */
export function checkAck<T extends RequestType>(type: T, id: string, fields: Fields): { ok: true; ack: AckOf<T> } | { ok: false; reason: string } {
  try {
    return { ok: true, ack: ack(type, id, fields) as AckOf<T> };
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
    return { ok: false, reason: err.message };
  }
}
