// What a session, a publisher and a subscriber report and take: shared by the Node API and the
// browser client (lib/web/client), which emit the same events with the same arguments.
import type { OtcError } from './errors';

/** Another client of the session. */
export interface ConnectionEvent {
  connectionId: string;
  data: string;
  creationTime: number;
}

/** A stream published in the session. */
export interface StreamEvent {
  streamId: string;
  name: string;
  hasAudio: boolean;
  hasVideo: boolean;
  /** Whether its publisher says it seals its frames. */
  e2ee: boolean;
  connectionId: string;
  creationTime: number;
  /** The video codec the publisher announced: 'VP8', 'VP9', 'H264'; '' without video. */
  videoCodec: string;
  /** The audio codec the publisher announced: 'opus'; '' without audio. */
  audioCodec: string;
  /** The size of the video the publisher sends, once it said (absent before). */
  videoWidth?: number;
  videoHeight?: number;
}

/** What a publisher may change after publishing (hasAudio / hasVideo: its publish toggles). */
export type StreamProperty = 'hasAudio' | 'hasVideo' | 'videoDimensions';

/**
 * A stream's publisher changed one of its properties. `stream` has the new values; oldValue and
 * newValue are booleans for hasAudio / hasVideo and { width, height } for videoDimensions
 * (oldValue undefined when the size was not known yet). As OpenTok.js's streamPropertyChanged.
 */
export type StreamPropertyChangedEvent = { stream: StreamEvent } & (
  | { changedProperty: 'hasAudio' | 'hasVideo'; oldValue: boolean; newValue: boolean }
  | { changedProperty: 'videoDimensions'; oldValue: { width: number; height: number } | undefined; newValue: { width: number; height: number } });

/**
 * A moderator turned the session's mute state on (forceMuteAll: streams are muted, and streams
 * published later too) or off (disableForceMute: nobody is unmuted). As OpenTok.js's MuteForcedEvent.
 */
export interface MuteForcedEvent {
  active: boolean;
}

/**
 * What this client's token lets it do (as otc_session_get_capabilities and OpenTok.js's
 * Session.capabilities): all false while not connected.
 */
export interface SessionCapabilities {
  publish: boolean;
  /** Moderator tokens: forceDisconnect(). */
  forceDisconnect: boolean;
  /** Moderator tokens: forceMuteStream(), forceMuteAll(), disableForceMute(). */
  forceMute: boolean;
  /** Moderator tokens: forceUnpublish(). */
  forceUnpublish: boolean;
}

/** An archive started recording the session (also told on connecting while one records). As OpenTok.js's ArchiveEvent. */
export interface ArchiveStartedEvent {
  /** The archive's id, as the REST API names it. */
  id: string;
  /** '' when it has none. */
  name: string;
}

/** The archive stopped recording the session. */
export interface ArchiveStoppedEvent {
  id: string;
}

export interface SignalEvent {
  type: string;
  data: string;
  /** The connection id of the sender; null when the project sent it through the REST API. */
  from: string | null;
}

export interface SignalOptions {
  /** letters, digits, "-", "_", "~"; at most 128 characters. */
  type?: string;
  /** At most 8 KiB of UTF-8. */
  data: string;
  /** A connection id; everyone when absent. */
  to?: string;
}

/**
 * Why something ended: a stream or a connection, the session's link, a subscription (the C API's
 * node-otc additions otc_*_get_destroyed_reason / otc_*_get_disconnect_reason and their codes).
 * `reason` is a word of docs/protocol.md: 'clientDisconnected', 'clientUnpublished',
 * 'clientUnsubscribed', 'networkDisconnected' (the other end's link dropped: killed, cut off),
 * 'forceDisconnected', 'forceUnpublished' (a moderator's forceUnpublish), 'routerFailed', 'peerFailed', 'timedOut', 'sessionDisconnected' or
 * 'unknown'. `code` is OTC_SUCCESS when someone asked for the end (disconnect, unpublish,
 * unsubscribe), else the failure's code (OTC_SESSION_CONNECTION_DROPPED, 1022, for a dropped link).
 * The Node API and the browser client give it alike (the page maps the server's words as the C core does).
 */
export interface EndReason {
  reason: string;
  code: number;
}

export interface SessionEvents {
  /** The key of the secret last set is derived and in use; epochId is its SFrame epoch. */
  encryptionKeyReady: [epochId: number];
  connected: [];
  /**
   * The session is disconnected. `reason` only when the session did not ask for it: the link
   * dropped and could not be reconnected (OTC_SESSION_CONNECTION_DROPPED, 1022, its message
   * saying why); undefined after disconnect().
   */
  disconnected: [reason: OtcError | undefined, end: EndReason];
  /**
   * The link to the session server dropped and the session reconnects by itself (backoff, at
   * most 60 s): the connection id, streams, publishers and subscribers stay, media keeps flowing,
   * signals sent meanwhile wait.
   */
  reconnecting: [];
  /** Reconnected with the same connection id; what came and went meanwhile follows as the usual events. */
  reconnected: [];
  connectionCreated: [connection: ConnectionEvent];
  connectionDestroyed: [connection: ConnectionEvent, end: EndReason];
  streamCreated: [stream: StreamEvent];
  streamDestroyed: [stream: StreamEvent, end: EndReason];
  /** Another client's stream: its publisher turned audio or video off or on, or its video changed size. */
  streamPropertyChanged: [event: StreamPropertyChangedEvent];
  signal: [signal: SignalEvent];
  /**
   * The session's mute state went on or off (a moderator's forceMuteAll / disableForceMute, or the
   * REST API); once per change (a second forceMuteAll while it is on mutes the publishers again
   * without this event). A reconnection reports a change it missed.
   */
  muteForced: [event: MuteForcedEvent];
  /** An archive (the REST API's, or an archiveMode always session's) started recording the session; told on connecting while one records. */
  archiveStarted: [event: ArchiveStartedEvent];
  archiveStopped: [event: ArchiveStoppedEvent];
  error: [error: OtcError];
}

/** Events of a Publisher. */
export interface PublisherEvents {
  /** The session server accepted the stream (session.publish() resolves with it too). */
  streamCreated: [stream: StreamEvent];
  /** The stream ended: unpublished, or its session went away (end: why). */
  streamDestroyed: [stream: StreamEvent, end: EndReason];
  /**
   * A moderator (or the REST API) forced this publisher's audio off: it stopped publishing audio,
   * as setPublishAudio(false) does (subscribers hear streamPropertyChanged hasAudio false). It
   * publishes audio again only when the application says so.
   */
  muteForced: [];
  /**
   * An error after the stream was created (e.g. OTC_PUBLISHER_WEBRTC_ERROR for one subscriber);
   * with no listener it is reported as a warning. An error that ends a publish attempt rejects
   * session.publish() and reaches only the listeners there are (no warning).
   */
  error: [error: OtcError];
}

/** A subscriber's state and end-to-end encryption events (the Node API adds media events). */
export interface SubscriberStateEvents {
  /** Media is flowing: the peer connection to the publisher is up. */
  connected: [];
  /**
   * The stream or the session went away, or the subscriber was unsubscribed; `end` says which
   * (e.g. networkDisconnected / 1022 when the publisher was killed or cut off). Emitted once.
   */
  disconnected: [end: EndReason];
  /**
   * Errors: OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISSING (6000), OTC_SUBSCRIBER_DECRYPTION_INTERNAL_ERROR
   * (6002), OTC_SUBSCRIBER_SERVER_CANNOT_FIND_STREAM (1604), OTC_SUBSCRIBER_WEBRTC_ERROR (1600),
   * OTC_SUBSCRIBER_TIMED_OUT (1542). Not 6003: that is 'encryptionSecretMismatch' only. With no
   * listener (and no connected() waiting) an error is reported as a warning.
   */
  error: [error: OtcError];
  /**
   * Frames arrive that this session's secret cannot open (OTC_SUBSCRIBER_ENCRYPTION_SECRET_MISMATCH,
   * 6003; once per episode). Emitted INSTEAD of 'error': a mismatch is an expected, recoverable
   * state (the publisher may be on another secret), and 'encryptionSecretMatch' ends it.
   */
  encryptionSecretMismatch: [error: OtcError];
  /** Frames decrypt again after a mismatch. */
  encryptionSecretMatch: [];
}

/** What became of a subscriber's frames, counted alike by the Node API and the browser client. */
export interface SubscriberFrameStats {
  /** Decrypted by the frame format and passed to the decoder. */
  videoFramesOpened: number;
  audioFramesOpened: number;
  /** Receive outcomes of the frame format, audio + video. */
  framesMismatch: number;
  framesIntegrityFailure: number;
  framesReplay: number;
  /** Dropped with no outcome: no codec known for the frame, no key yet, or an error. */
  framesDroppedOther: number;
  videoFramesDecoded: number;
  /** Decoded frames per second. */
  videoFps: number;
  videoWidth: number;
  videoHeight: number;
  /** Whether the stream's frames are opened. */
  e2ee: boolean;
  inMismatch: boolean;
}

/**
 * The 'streamPropertyChanged' event of a change to `known` (the stream as the session knew it;
 * undefined when it does not know it, e.g. one of this client's own streams): the stream updated
 * and the event, or undefined when nothing changed. Shared by the Node API and the browser client.
 */
export function streamPropertyChange(known: StreamEvent | undefined, property: StreamProperty,
  value: boolean | { width: number; height: number }): { stream: StreamEvent; event: StreamPropertyChangedEvent } | undefined {
  if (!known) return undefined;
  if (property === 'videoDimensions') {
    if (typeof value !== 'object') return undefined;
    const oldValue = known.videoWidth !== undefined && known.videoHeight !== undefined ? { width: known.videoWidth, height: known.videoHeight } : undefined;
    if (oldValue?.width === value.width && oldValue.height === value.height) return undefined;
    const stream = { ...known, videoWidth: value.width, videoHeight: value.height };
    return { stream, event: { stream, changedProperty: property, oldValue, newValue: { width: value.width, height: value.height } } };
  }
  if (typeof value !== 'boolean' || known[property] === value) return undefined;
  const stream = { ...known, [property]: value };
  return { stream, event: { stream, changedProperty: property, oldValue: known[property], newValue: value } };
}
