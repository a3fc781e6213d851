// The shapes of what the native addon takes and hands back, and the events its wrappers call
// back with: a leaf module, so that lib/binding.ts and the classes over it (session.ts,
// publisher.ts, subscriber.ts, frame-cryptor.ts) all depend on it and never on each other.
import type { IceCandidateType } from './ice-config';
import type { ConnectionEvent, EndReason, StreamEvent, SubscriberFrameStats } from './session-types';

/** Video codecs a publisher can encode with. */
export type VideoCodec = 'VP8' | 'VP9' | 'H264';
/** Where a publisher's video comes from: the built-in test pattern, or frames you push. */
export type VideoSource = 'testPattern' | 'pushed';
/** Layouts of pushed frames: I420 (planes Y, U, V, packed) or RGBA (4 bytes a pixel). */
export type VideoFrameFormat = 'I420' | 'RGBA';

/** A snapshot of a publisher's counters (`otc_publisher_stats`); transport figures refresh once a second. */
export interface PublisherStats {
  /** Peer connections carrying this stream now. */
  subscribers: number;
  /** Frames encrypted by the frame cryptor (0 without E2EE). */
  videoFramesSealed: number;
  audioFramesSealed: number;
  /** Encoded frames handed to the packetizer. */
  videoFramesSent: number;
  audioFramesSent: number;
  /** Frames dropped because sealing failed. */
  sealErrors: number;
  videoFramesCaptured: number;
  /** RTP payload bytes, all peers. */
  bytesSent: number;
  /** Over the last stats interval, all peers. */
  videoBitrateBps: number;
  audioBitrateBps: number;
  /** Encoded frames per second, first peer. */
  videoFps: number;
  /** Encoded size, first peer. */
  videoWidth: number;
  videoHeight: number;
  /** Round-trip time reported by the receiver, first peer; -1 when unknown. */
  rttMs: number;
  /** Epoch id of the key sealing now; 0 without E2EE. */
  encryptionEpoch: number;
  /** Whether this publisher seals its frames. */
  e2ee: boolean;
  /** Subscriptions refused because the publisher had its most peer connections already (64). */
  subscribersRefused: number;
  /** The first peer's selected ICE candidate pair: local and remote candidate types ('' before one is selected). */
  localCandidateType: IceCandidateType;
  remoteCandidateType: IceCandidateType;
  /** How a relay local candidate reaches its TURN server ('udp', 'tcp', 'tls'); '' otherwise. */
  relayProtocol: string;
}

/** A decoded video frame (I420), copied out of the media thread; the buffers are the listener's. */
export interface VideoFrame {
  width: number;
  height: number;
  /** The luma plane, strideY bytes a row, height rows. */
  y: Buffer;
  /** The chroma planes, strideU / strideV bytes a row, (height + 1) / 2 rows. */
  u: Buffer;
  v: Buffer;
  /** Packed planes: strideY is width, strideU and strideV are (width + 1) / 2. */
  strideY: number;
  strideU: number;
  strideV: number;
  /** Render time of the frame in microseconds (libwebrtc's clock). */
  timestampUs: number;
}

/** 10 ms of decoded audio of the stream. */
export interface AudioData {
  /** 16-bit PCM, interleaved when channels > 1: sampleRate / 100 * channels samples. */
  samples: Int16Array;
  sampleRate: number;
  channels: number;
}


/**
 * A snapshot of a subscriber's counters (`otc_subscriber_stats`, camelCase) and of its delivery
 * to JS: what became of its frames (session-types.ts), and the transport's figures.
 */
export interface SubscriberStats extends SubscriberFrameStats {
  /** Frames of a stream without E2EE (not opened). */
  framesUnencrypted: number;
  mismatchEpisodes: number;
  /** Dropped by the decoder or jitter buffer. */
  videoFramesDropped: number;
  packetsLost: number;
  bytesReceived: number;
  /** Over the last stats interval. */
  videoBitrateBps: number;
  audioBitrateBps: number;
  /** -1 when unknown. */
  rttMs: number;
  /** Mean, video. */
  jitterBufferDelayMs: number;
  /** Epoch id of the last frame opened; 0 none. */
  encryptionEpoch: number;
  /**
   * Decoded frames not delivered as 'videoFrame' because the listener fell behind: a frame that
   * finds 4 frames already waiting (in the addon, or 4 in JS) is dropped.
   */
  videoFramesDroppedForJs: number;
  /** The same for 'audioData' (50 blocks, 500 ms, waiting). */
  audioDataDroppedForJs: number;
  /** The selected ICE candidate pair: local and remote candidate types ('' before one is selected). */
  localCandidateType: IceCandidateType;
  remoteCandidateType: IceCandidateType;
  /** How a relay local candidate reaches its TURN server ('udp', 'tcp', 'tls'); '' otherwise. */
  relayProtocol: string;
}

/**
 * What the subscriber's media check read from the test pattern's frame code in the frames it
 * decoded (`otc_media_check`, camelCase). Frames without a readable code (a pushed source) count
 * only as unreadable.
 */
export interface MediaCheck {
  /** Every decoded frame the check looked at. */
  framesDecoded: number;
  /** Frames with a readable code, each frame number counted once. */
  framesReceived: number;
  framesUnreadable: number;
  /** Numbers missing between the first and the highest seen. */
  framesLost: number;
  /** A frame number delivered again (a frozen picture). */
  framesRepeated: number;
  framesOutOfOrder: number;
  /** Gaps between new frames over max(3 x mean, mean + 150 ms). */
  freezes: number;
  maxGapMs: number;
  /** Capture (the publisher's clock) to decode: meaningful on one machine only. */
  latencyMeanMs: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyMaxMs: number;
  firstFrameNumber: number;
  /** The highest seen. */
  lastFrameNumber: number;
  /** When the first readable frame was decoded (CLOCK_MONOTONIC, µs). */
  firstFrameTimeUs: number;
}

/** Frames of one kind the frame cryptor could not open, by outcome. */
export interface VerifyNotOpened {
  /** Frames this secret cannot open (a wrong secret). */
  mismatch: number;
  /** Authentication failed: damaged or forged. */
  integrity: number;
  /** A frame counter seen before. */
  replay: number;
  /** No codec for the payload type, internal errors. */
  other: number;
}

/** What one kind (audio or video) of a subscription received (otc_subscriber_verify_kind_stats). */
export interface VerifyKindStats {
  /** Opened by the frame cryptor (received, without E2EE). */
  framesOpened: number;
  /** Their payload bytes after opening. */
  bytesOpened: number;
  /** Video key frames among them. */
  keyFrames: number;
  notOpened: VerifyNotOpened;
  /**
   * Frames missing between frames opened: audio from RTP sequence numbers; video from frame ids
   * when the connection carries them, else from RTP timestamps against the frame interval.
   */
  gaps: number;
  /** Arrival gaps over max(3 x mean, mean + 150 ms) (WebRTC's freezes), and their summed length. */
  freezes: number;
  freezeMs: number;
  maxGapMs: number;
  /** When the first and the last frame were opened (CLOCK_MONOTONIC, µs; 0 before any). */
  firstFrameTimeUs: number;
  lastFrameTimeUs: number;
}

/** A subscription's verify counts (otc_subscriber_verify_stats), kept whether verify-only or not. */
export interface VerifyStats {
  /** The subscriber's setting now. */
  verifyOnly: boolean;
  video: VerifyKindStats;
  audio: VerifyKindStats;
}

/** session.subscribe's options. */
export interface SubscribeOptions {
  /**
   * Receive without decoding: every frame is opened by the frame cryptor and counted
   * (subscriber.verifyStats()), none is decoded; no 'videoFrame' or 'audioData' events.
   * Changeable later with subscriber.verifyOnly. Default false.
   */
  verifyOnly?: boolean;
}

export interface FrameCryptorStats {
  framesSealed: number;
  bytesSealed: number;
  framesDecrypted: number;
  framesMismatch: number;
  framesIntegrityFailure: number;
  framesReplay: number;
  bytesOpened: number;
  mismatchEpisodes: number;
  integrityEpisodes: number;
  ratchetsFollowed: number;
  /** The epoch senders use now. */
  currentEpochId: number;
  /** This cryptor's random 32-bit sender id (the low half of its KIDs). */
  senderId: number;
  /** Epochs whose keys are still in memory. */
  epochsHeld: number;
  inMismatch: boolean;
}

/**
 * What a native session calls back with: its event's name, then the event's arguments. One
 * union, so lib/session.ts handles every event in one exhaustive switch.
 */
export type NativeSessionEvent =
  | [name: 'encryptionKeyReady', epochId: number]
  | [name: 'connected', forceMuteActive: boolean]
  | [name: 'disconnected', end: EndReason]
  | [name: 'reconnecting']
  | [name: 'reconnected']
  | [name: 'connectionCreated', connection: ConnectionEvent]
  | [name: 'connectionDestroyed', connection: ConnectionEvent, end: EndReason]
  | [name: 'streamCreated', stream: StreamEvent]
  | [name: 'streamDestroyed', stream: StreamEvent, end: EndReason]
  | [name: 'signal', type: string, data: string, from: string]
  | [name: 'streamPropertyChanged', stream: StreamEvent, property: 'hasAudio' | 'hasVideo', value: boolean]
  | [name: 'streamPropertyChanged', stream: StreamEvent, property: 'videoDimensions', value: { width: number; height: number }]
  /** A forced-mute callback: the session's mute state now (a change of it, or none: one stream muted). */
  | [name: 'muteForced', forceMuteActive: boolean]
  | [name: 'archiveStarted', archiveId: string, archiveName: string]
  | [name: 'archiveStopped', archiveId: string]
  | [name: 'error', code: number, message: string, linkActive: boolean];

/** What a native publisher calls back with. */
export type NativePublisherEvent =
  | [name: 'streamCreated', stream: StreamEvent]
  | [name: 'streamDestroyed', stream: StreamEvent, end: EndReason]
  | [name: 'muteForced']
  | [name: 'error', code: number, message: string];

/** What a native subscriber calls back with ('videoFrame' / 'audioData' only while delivery is on). */
export type NativeSubscriberEvent =
  | [name: 'connected']
  | [name: 'disconnected', end: EndReason]
  | [name: 'encryptionSecretMatch']
  | [name: 'error', code: number, message: string]
  | [name: 'videoFrame', frame: VideoFrame]
  | [name: 'audioData', data: AudioData];

/** For the `default:` of a switch over one of the unions above: the compiler proves it unreachable. */
export function unknownNativeEvent(event: never): void {
  // A newer addon than this file: say so once per name instead of failing.
  process.emitWarning(`unknown native event ${String((event as unknown[])[0])}`, 'OtcAddonWarning');
}
