// The session protocol's messages (docs/protocol.md section 3, signaling over WebSocket,
// version 1), defined once: the session server (lib/server) and the browser client
// (lib/web/client) both use these types, and the parsers next to them check what each side
// receives (parse-request.ts on the server, parse-server-message.ts in the client). The C++
// client mirrors them in cpp/src/signaling/messages.h. Nothing here may import Node or DOM APIs.

export const SIGNALING_PATH = '/v1/signaling';
export const SIGNALING_SUBPROTOCOL = 'otc-signaling-v1';

/** WebSocket close codes of the protocol. */
export enum CloseCode {
  NORMAL = 1000,
  AUTHENTICATION_FAILED = 4001,
  PROTOCOL_ERROR = 4002,
  CONNECT_TIMEOUT = 4003,
  SERVER_SHUTTING_DOWN = 4004,
  /** A message larger than the server's maxMessageBytes (the standard code; the reason says the limit). */
  MESSAGE_TOO_BIG = 1009,
  /** `connect` refused by a limit (per session, token or address); the error before it carries 1027. */
  CONNECTION_LIMIT = 4005,
  /** More requests than the server's messagesPerSecond (beyond its burst). */
  RATE_LIMITED = 4006,
  /** The client did not read: more than maxBufferedBytes waited to be sent to it. */
  SLOW_CONSUMER = 4007,
  /** The client reconnected on another socket (`connect` with `reconnect`): this older socket is closed. */
  REPLACED = 4008,
  /** The connection was removed by the project (REST forceDisconnect) or a moderator: final, no reconnection. */
  FORCE_DISCONNECTED = 4009,
}

/** The `from` of negotiation the media router sends (routed sessions). */
export const FROM_ROUTER = 'router';

export type MediaMode = 'relayed' | 'routed';
export type ArchiveMode = 'manual' | 'always';
export type VideoType = 'camera' | 'screen' | 'custom';
export const VIDEO_TYPES: readonly VideoType[] = ['camera', 'screen', 'custom'];
/** A connection's role, from its token. */
export type ConnectionRole = 'publisher' | 'publisheronly' | 'subscriber' | 'moderator';
export type ConnectionDestroyedReason = 'clientDisconnected' | 'networkDisconnected' | 'forceDisconnected';
/** `forceUnpublished`: a moderator stopped the stream (forceUnpublish); its publisher may publish again. */
export type StreamDestroyedReason = 'clientUnpublished' | 'clientDisconnected' | 'networkDisconnected' | 'forceDisconnected' | 'forceUnpublished';
/** `routerFailed`: the media router refused or lost the peer (the event's `message` says why). */
export type PeerClosedReason = 'clientUnsubscribed' | 'routerFailed' | 'routerRestarted' | StreamDestroyedReason;

export interface ConnectionInfo {
  connectionId: string;
  data: string;
  creationTime: number;
}

export interface StreamInfo {
  streamId: string;
  connectionId: string;
  name: string;
  hasAudio: boolean;
  hasVideo: boolean;
  videoType: VideoType;
  e2ee: boolean;
  creationTime: number;
  videoCodec: string;
  audioCodec: string;
  /**
   * The size of the video the publisher sends, once it said (streamProperty videoDimensions);
   * absent before. hasAudio / hasVideo above are the current values, changed by streamProperty.
   */
  videoWidth?: number;
  videoHeight?: number;
}

export interface SessionInfo {
  e2ee: boolean;
  mediaMode: MediaMode;
}

/** One STUN/TURN server of the connect ack (RTCIceServer's shape). */
export interface IceServerInfo {
  urls: string[];
  username?: string;
  credential?: string;
}

// ---- requests (client -> server) ----
export interface ConnectRequest {
  type: 'connect'; id: string; token: string;
  sdk?: { name: string; version: string };
  e2ee?: boolean;
  /** Optional: the session the client means to join; a token of another session is then 1005. */
  sessionId?: string;
  /** A reconnection of a connection this client had (docs/protocol.md, "Reconnecting"). */
  reconnect?: { connectionId: string; reconnectToken: string };
}
export interface PublishRequest {
  type: 'publish'; id: string; name?: string; hasAudio?: boolean; hasVideo?: boolean;
  videoType?: VideoType; e2ee?: boolean; videoCodec?: string; audioCodec?: string;
}
export interface UnpublishRequest { type: 'unpublish'; id: string; streamId: string }
export interface SubscribeRequest { type: 'subscribe'; id: string; streamId: string }
export interface UnsubscribeRequest { type: 'unsubscribe'; id: string; peerId: string }
export interface OfferRequest { type: 'offer'; id: string; peerId: string; sdp: string; e2ee?: boolean }
export interface AnswerRequest { type: 'answer'; id: string; peerId: string; sdp: string }
/** Which end of a relayed peer: a connection subscribed to its own stream holds both ends of one `peerId`. */
export type PeerEnd = 'publisher' | 'subscriber';
/** `end`: the end of the peer the candidate comes from; required when both ends are the sender's. */
export interface CandidateRequest {
  type: 'candidate'; id: string; peerId: string; candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null; end?: PeerEnd;
}
/** A routed subscriber whose path to the router was lost asks for an ICE restart: the router offers again. */
export interface IceRestartRequest { type: 'iceRestart'; id: string; peerId: string }
/** `to` absent or null: to everyone in the session. */
export interface SignalRequest { type: 'signal'; id: string; to?: string | null; signalType?: string; data?: string }
export interface DisconnectRequest { type: 'disconnect'; id: string }
/** What a stream's publisher may change after publishing (docs/protocol.md, "Stream properties"). */
export type StreamProperty = 'hasAudio' | 'hasVideo' | 'videoDimensions';
export const STREAM_PROPERTIES: readonly StreamProperty[] = ['hasAudio', 'hasVideo', 'videoDimensions'];
export interface VideoDimensions { width: number; height: number }
/** The value of each property: on/off, or the video's size in pixels (1 to MAX_VIDEO_DIMENSION each). */
export type StreamPropertyValue<P extends StreamProperty = StreamProperty> = P extends 'videoDimensions' ? VideoDimensions : boolean;
export type StreamPropertyChange =
  | { property: 'hasAudio'; value: boolean }
  | { property: 'hasVideo'; value: boolean }
  | { property: 'videoDimensions'; value: VideoDimensions };
/** Largest width or height a videoDimensions change may give. */
export const MAX_VIDEO_DIMENSION = 16384;
/** Only the stream's own connection may send it; the session hears streamPropertyChanged when the value changes. */
export type StreamPropertyRequest = { type: 'streamProperty'; id: string; streamId: string } & StreamPropertyChange;
/**
 * Forced muting (docs/protocol.md, "Forced muting"), moderators only: the publisher of `streamId`
 * is told to turn its audio off (muteForced).
 */
export interface ForceMuteStreamRequest { type: 'forceMuteStream'; id: string; streamId: string }
/** Every stream of the session but the excluded ones, now and published later, until disableForceMute. */
export interface ForceMuteAllRequest { type: 'forceMuteAll'; id: string; excludedStreamIds?: string[] }
/** Ends the session's mute state (nobody is unmuted). */
export interface DisableForceMuteRequest { type: 'disableForceMute'; id: string }
/**
 * Moderation (docs/protocol.md, "Moderation"), moderators only: removes a connection as the REST
 * forceDisconnect does (its socket closes with 4009), or stops a stream (streamDestroyed with
 * reason `forceUnpublished`, to its publisher too).
 */
export interface ForceDisconnectRequest { type: 'forceDisconnect'; id: string; connectionId: string }
export interface ForceUnpublishRequest { type: 'forceUnpublish'; id: string; streamId: string }
/** Most ids a forceMuteAll may exclude. */
export const MAX_EXCLUDED_STREAM_IDS = 1000;

export type ClientRequest = ConnectRequest | PublishRequest | UnpublishRequest | SubscribeRequest | UnsubscribeRequest
  | OfferRequest | AnswerRequest | CandidateRequest | IceRestartRequest | SignalRequest | DisconnectRequest | StreamPropertyRequest
  | ForceMuteStreamRequest | ForceMuteAllRequest | DisableForceMuteRequest | ForceDisconnectRequest | ForceUnpublishRequest;
export type RequestType = ClientRequest['type'];
export type RequestOf<T extends RequestType> = Extract<ClientRequest, { type: T }>;
/** A request as a client writes it: its socket adds the `id`. */
export type OutgoingRequest = ClientRequest extends infer R ? R extends ClientRequest ? Omit<R, 'id'> : never : never;
export const REQUEST_TYPES: readonly RequestType[] = [
  'connect', 'publish', 'unpublish', 'subscribe', 'unsubscribe', 'offer', 'answer', 'candidate', 'iceRestart', 'signal',
  'disconnect', 'streamProperty', 'forceMuteStream', 'forceMuteAll', 'disableForceMute', 'forceDisconnect', 'forceUnpublish',
];

// ---- answers (server -> client, with the request's id) ----
export interface ConnectAck {
  type: 'ack'; id: string; connectionId: string; sessionId: string; role: ConnectionRole; data: string;
  session: SessionInfo; connections: ConnectionInfo[]; streams: StreamInfo[];
  /** STUN/TURN servers for this connection (TURN credentials of its own); empty when the server has none. */
  iceServers: IceServerInfo[];
  /** What a reconnection of this connection presents (HMAC of sessionId|connectionId with a key from the API secret). */
  reconnectToken: string;
  /** Present and true when this `connect` was a reconnection of the same connection. */
  reconnected?: boolean;
  /** Present and true while the session's mute state is on (forceMuteAll until disableForceMute). */
  forceMuteActive?: true;
}
/** `peerId` (`pub-<streamId>`) in routed sessions only: the peer the publisher offers on. */
export interface PublishAck { type: 'ack'; id: string; streamId: string; peerId?: string }
export interface SubscribeAck { type: 'ack'; id: string; peerId: string }
/** The ack of every other request. */
export interface PlainAck { type: 'ack'; id: string }
export type Ack = ConnectAck | PublishAck | SubscribeAck | PlainAck;
/** The ack a request of type T gets. */
export type AckOf<T extends RequestType> = T extends 'connect' ? ConnectAck : T extends 'publish' ? PublishAck
  : T extends 'subscribe' ? SubscribeAck : PlainAck;
export interface ErrorReply { type: 'error'; id: string; code: number; message: string }

// ---- events (server -> client, no id) ----
export interface ConnectionCreatedEvent { type: 'connectionCreated'; connection: ConnectionInfo }
export interface ConnectionDestroyedEvent { type: 'connectionDestroyed'; connectionId: string; reason: ConnectionDestroyedReason }
export interface StreamCreatedEvent { type: 'streamCreated'; stream: StreamInfo }
export interface StreamDestroyedEvent { type: 'streamDestroyed'; streamId: string; reason: StreamDestroyedReason }
export interface SubscriberJoinedEvent { type: 'subscriberJoined'; peerId: string; streamId: string; subscriberConnectionId: string }
/** `to` (relayed peers): the end of the peer the event is for (both may be the receiving connection's). */
export interface OfferEvent { type: 'offer'; peerId: string; streamId: string; from: string; sdp: string; e2ee?: boolean; to?: PeerEnd }
export interface AnswerEvent { type: 'answer'; peerId: string; streamId: string; from: string; sdp: string; to?: PeerEnd }
export interface CandidateEvent {
  type: 'candidate'; peerId: string; streamId: string; from: string; candidate: string; sdpMid: string | null; sdpMLineIndex: number | null;
  to?: PeerEnd;
}
export interface PeerClosedEvent { type: 'peerClosed'; peerId: string; reason: PeerClosedReason; message?: string }
export interface SignalEvent { type: 'signal'; from: string; signalType: string; data: string }
/** A stream's publisher changed one of its properties (to every connection of the session, its own included). */
export type StreamPropertyChangedEvent = { type: 'streamPropertyChanged'; streamId: string } & StreamPropertyChange;
/** To the publisher of `streamId`: a moderator forced its audio off (`all`: by the session's mute state). */
export interface MuteForcedEvent { type: 'muteForced'; streamId: string; all?: true }
/** To every connection of the session: its mute state went on (forceMuteAll) or off (disableForceMute). */
export interface ForceMuteChangedEvent { type: 'forceMuteChanged'; active: boolean }
/**
 * To every connection of the session: an archive started recording it (also to each client that
 * connects while it records, after its ack), or stopped. `name`: '' when it has none.
 */
export interface ArchiveStartedEvent { type: 'archiveStarted'; archiveId: string; name: string }
export interface ArchiveStoppedEvent { type: 'archiveStopped'; archiveId: string; name: string }

export type ServerEvent = ConnectionCreatedEvent | ConnectionDestroyedEvent | StreamCreatedEvent | StreamDestroyedEvent
  | SubscriberJoinedEvent | OfferEvent | AnswerEvent | CandidateEvent | PeerClosedEvent | SignalEvent | StreamPropertyChangedEvent
  | MuteForcedEvent | ForceMuteChangedEvent | ArchiveStartedEvent | ArchiveStoppedEvent;
export type ServerEventType = ServerEvent['type'];
/** The events about one peer connection (negotiation and its end). */
export type PeerEvent = OfferEvent | AnswerEvent | CandidateEvent | PeerClosedEvent;
export type ServerMessage = Ack | ErrorReply | ServerEvent;
