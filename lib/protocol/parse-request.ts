// The server's reading of a client's message (messages.ts, client -> server): the envelope (a
// JSON object with a known `type` and a string `id`; otherwise the socket is closed with 4002)
// and each request's fields (type and size; a bad field is an `error` reply with its code and
// the connection stays). What the session's state allows is the server's business, not this.
import { ErrorCode } from '../error-code';
import {
  type CandidateRequest, type ClientRequest, type ConnectRequest, type ForceMuteAllRequest, MAX_EXCLUDED_STREAM_IDS, MAX_VIDEO_DIMENSION,
  type PublishRequest, REQUEST_TYPES, type RequestType,
  type SignalRequest, STREAM_PROPERTIES, type StreamPropertyRequest, VIDEO_TYPES, type VideoType,
} from './messages';

/** Largest `signal` data, bytes of UTF-8. */
export const MAX_SIGNAL_DATA_BYTES = 8 * 1024;
/** Largest `signalType`, characters. */
export const MAX_SIGNAL_TYPE_LENGTH = 128;
const MAX_SDP_LENGTH = 256 * 1024;
const MAX_CANDIDATE_LENGTH = 4096;
const MAX_NAME_LENGTH = 1024;
const MAX_ID_LENGTH = 128;

export type RequestParse =
  | { ok: true; request: ClientRequest }
  /** Not a request of the protocol: the socket is closed with 4002 and `reason`. */
  | { ok: false; protocolError: string }
  /** A request with a bad field: answered with `error` `code`. */
  | { ok: false; protocolError?: undefined; type: RequestType; id: string; code: ErrorCode; message: string };

class FieldError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

type Fields = Record<string, unknown>;

function invalid(message: string): FieldError {
  return new FieldError(ErrorCode.OTC_SESSION_NULL_OR_INVALID_PARAMETER, message);
}

/** A required non-empty string. */
function text(req: Fields, name: string, max = Infinity): string {
  const value = req[name];
  if (typeof value !== 'string' || value === '') throw invalid(`${name} must be a non-empty string`);
  if (value.length > max) throw invalid(`${name} is longer than ${max}`);
  return value;
}

/** An optional string (may be empty). */
function optionalText(req: Fields, name: string, max = Infinity): string | undefined {
  const value = req[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be a non-empty string`);
  if (value.length > max) throw invalid(`${name} is longer than ${max}`);
  return value;
}

function optionalBool(req: Fields, name: string): boolean | undefined {
  const value = req[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(`${name} must be a boolean`);
  return value;
}

function utf8Length(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; ++i) {
    const unit = value.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      ++i;
    } else bytes += 3;
  }
  return bytes;
}

function connect(req: Fields, id: string): ConnectRequest {
  // A token of another type is refused as missing by the token check (1004, then closed).
  const token = typeof req['token'] === 'string' ? req['token'] : '';
  const sessionId = optionalText(req, 'sessionId', 256);
  const reconnect = req['reconnect'];
  let parsedReconnect: ConnectRequest['reconnect'];
  if (reconnect !== undefined) {
    if (typeof reconnect !== 'object' || reconnect === null || Array.isArray(reconnect)) {
      throw invalid('reconnect must be { connectionId, reconnectToken }');
    }
    const { connectionId, reconnectToken } = reconnect as Fields;
    // A connectionId or token that is not a string does not verify: refused like a wrong one (1004).
    parsedReconnect = {
      connectionId: typeof connectionId === 'string' ? connectionId : '',
      reconnectToken: typeof reconnectToken === 'string' ? reconnectToken : '',
    };
  }
  return {
    type: 'connect', id, token, e2ee: req['e2ee'] === true,
    ...(sessionId !== undefined && { sessionId }), ...(parsedReconnect && { reconnect: parsedReconnect }),
  };
}

function publish(req: Fields, id: string): PublishRequest {
  const videoType = req['videoType'] ?? 'camera';
  if (typeof videoType !== 'string' || !(VIDEO_TYPES as readonly string[]).includes(videoType)) {
    throw invalid('videoType must be camera, screen or custom');
  }
  const name = optionalText(req, 'name', MAX_NAME_LENGTH);
  const hasAudio = optionalBool(req, 'hasAudio');
  const hasVideo = optionalBool(req, 'hasVideo');
  const e2ee = optionalBool(req, 'e2ee');
  const videoCodec = optionalText(req, 'videoCodec', 32);
  const audioCodec = optionalText(req, 'audioCodec', 32);
  return {
    type: 'publish', id, videoType: videoType as VideoType,
    ...(name !== undefined && { name }), ...(hasAudio !== undefined && { hasAudio }), ...(hasVideo !== undefined && { hasVideo }),
    ...(e2ee !== undefined && { e2ee }), ...(videoCodec !== undefined && { videoCodec }), ...(audioCodec !== undefined && { audioCodec }),
  };
}

function candidate(req: Fields, id: string): CandidateRequest {
  const peerId = text(req, 'peerId');
  const value = optionalText(req, 'candidate', MAX_CANDIDATE_LENGTH) ?? '';
  const sdpMid = req['sdpMid'] ?? null;
  const sdpMLineIndex = req['sdpMLineIndex'] ?? null;
  if (sdpMid !== null && (typeof sdpMid !== 'string' || sdpMid.length > 64)) throw invalid('sdpMid must be a string or null');
  if (sdpMLineIndex !== null && !(typeof sdpMLineIndex === 'number' && Number.isInteger(sdpMLineIndex) && sdpMLineIndex >= 0)) {
    throw invalid('sdpMLineIndex must be a non-negative integer or null');
  }
  const end = req['end'];
  if (end !== undefined && end !== 'publisher' && end !== 'subscriber') throw invalid('end must be "publisher" or "subscriber"');
  return { type: 'candidate', id, peerId, candidate: value, sdpMid, sdpMLineIndex, ...(end !== undefined && { end }) };
}

function signal(req: Fields, id: string): SignalRequest {
  const signalType = req['signalType'] ?? '';
  if (typeof signalType !== 'string') throw new FieldError(ErrorCode.OTC_SESSION_INVALID_SIGNAL_TYPE, 'signalType must be a string');
  if (signalType.length > MAX_SIGNAL_TYPE_LENGTH) {
    throw new FieldError(ErrorCode.OTC_SESSION_SIGNAL_TYPE_TOO_LONG, `signalType is longer than ${MAX_SIGNAL_TYPE_LENGTH} characters`);
  }
  if (!/^[A-Za-z0-9_~-]*$/.test(signalType)) {
    throw new FieldError(ErrorCode.OTC_SESSION_INVALID_SIGNAL_TYPE, 'signalType may hold only letters, digits, "-", "_" and "~"');
  }
  const data = req['data'] ?? '';
  if (typeof data !== 'string') throw invalid('data must be a string');
  if (utf8Length(data) > MAX_SIGNAL_DATA_BYTES) {
    throw new FieldError(ErrorCode.OTC_SESSION_SIGNAL_DATA_TOO_LONG, `data is longer than ${MAX_SIGNAL_DATA_BYTES} bytes`);
  }
  const to = req['to'] ?? null;
  if (to !== null && typeof to !== 'string') throw invalid('to names no connection of this session');
  return { type: 'signal', id, to, signalType, data };
}

function dimension(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_VIDEO_DIMENSION) {
    throw invalid(`${name} must be an integer from 1 to ${MAX_VIDEO_DIMENSION}`);
  }
  return value;
}

function streamProperty(req: Fields, id: string): StreamPropertyRequest {
  const streamId = text(req, 'streamId', MAX_ID_LENGTH);
  const property = req['property'];
  const value = req['value'];
  if (typeof property !== 'string' || !(STREAM_PROPERTIES as readonly string[]).includes(property)) {
    throw invalid(`property must be one of ${STREAM_PROPERTIES.join(', ')}`);
  }
  if (property === 'videoDimensions') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('value must be { width, height }');
    const { width, height } = value as Fields;
    return { type: 'streamProperty', id, streamId, property, value: { width: dimension(width, 'width'), height: dimension(height, 'height') } };
  }
  if (typeof value !== 'boolean') throw invalid(`value of ${property} must be a boolean`);
  return { type: 'streamProperty', id, streamId, property: property as 'hasAudio' | 'hasVideo', value };
}

/**
 * Why `value` is not a list of stream ids to exclude from forceMuteAll (at most
 * MAX_EXCLUDED_STREAM_IDS non-empty strings of at most MAX_ID_LENGTH characters), or undefined
 * when it is one. The REST endpoint of the same request checks its body with it too.
 */
export function excludedStreamIdsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'excludedStreamIds must be an array of stream ids';
  if (value.length > MAX_EXCLUDED_STREAM_IDS) return `excludedStreamIds holds more than ${MAX_EXCLUDED_STREAM_IDS} ids`;
  for (const streamId of value) {
    if (typeof streamId !== 'string' || streamId === '' || streamId.length > MAX_ID_LENGTH) {
      return `excludedStreamIds must hold non-empty strings of at most ${MAX_ID_LENGTH} characters`;
    }
  }
  return undefined;
}

function forceMuteAll(req: Fields, id: string): ForceMuteAllRequest {
  const excluded = req['excludedStreamIds'];
  if (excluded === undefined) return { type: 'forceMuteAll', id };
  const problem = excludedStreamIdsProblem(excluded);
  if (problem !== undefined) throw invalid(problem);
  return { type: 'forceMuteAll', id, excludedStreamIds: excluded as string[] };
}

function fields(type: RequestType, req: Fields, id: string): ClientRequest {
  switch (type) {
    case 'connect': return connect(req, id);
    case 'publish': return publish(req, id);
    case 'unpublish': return { type, id, streamId: text(req, 'streamId') };
    case 'subscribe': return { type, id, streamId: text(req, 'streamId') };
    case 'unsubscribe': return { type, id, peerId: text(req, 'peerId') };
    case 'offer': {
      const peerId = text(req, 'peerId');
      const sdp = text(req, 'sdp', MAX_SDP_LENGTH);
      return { type, id, peerId, sdp, e2ee: optionalBool(req, 'e2ee') ?? false };
    }
    case 'answer': {
      const peerId = text(req, 'peerId');
      return { type, id, peerId, sdp: text(req, 'sdp', MAX_SDP_LENGTH) };
    }
    case 'candidate': return candidate(req, id);
    case 'iceRestart': return { type, id, peerId: text(req, 'peerId', MAX_ID_LENGTH) };
    case 'signal': return signal(req, id);
    case 'disconnect': return { type, id };
    case 'streamProperty': return streamProperty(req, id);
    case 'forceMuteStream': return { type, id, streamId: text(req, 'streamId', MAX_ID_LENGTH) };
    case 'forceMuteAll': return forceMuteAll(req, id);
    case 'disableForceMute': return { type, id };
    case 'forceDisconnect': return { type, id, connectionId: text(req, 'connectionId', MAX_ID_LENGTH) };
    case 'forceUnpublish': return { type, id, streamId: text(req, 'streamId', MAX_ID_LENGTH) };
  }
}

/** Reads one text message of a client. */
export function parseClientRequest(textMessage: string): RequestParse {
  let message: unknown;
  try {
    message = JSON.parse(textMessage);
  } catch {
    return { ok: false, protocolError: 'bad JSON' };
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { ok: false, protocolError: 'a message must be a JSON object' };
  }
  const req = message as Fields;
  const type = req['type'];
  if (typeof type !== 'string' || !(REQUEST_TYPES as readonly string[]).includes(type)) {
    return { ok: false, protocolError: `unknown type ${String(JSON.stringify(type) ?? 'undefined').slice(0, 60)}` };
  }
  const id = req['id'];
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH) return { ok: false, protocolError: 'a request needs a string id' };
  try {
    return { ok: true, request: fields(type as RequestType, req, id) };
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    return { ok: false, type: type as RequestType, id, code: err.code, message: err.message };
  }
}
