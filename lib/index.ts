// node-otc: end-to-end encrypted video sessions for Node.js, over a C API in the shape of the
// OpenTok/Vonage Linux SDK.
export { ErrorCode } from './error-code';
export { OtcError } from './errors';
export { Suite, DEFAULT_SUITE, CODECS, MAX_FRAME_SIZE, SECRET_MIN_CODE_POINTS, SECRET_MAX_CODE_POINTS } from './e2ee-types';
export type { Codec, Outcome, CryptorEvent } from './e2ee-types';
export { validateSecret } from './secret';
export type { Secret } from './secret';
export { FrameCryptor } from './frame-cryptor';
export type { FrameCryptorOptions, FrameCryptorStats, OpenIntoResult, OpenOptions, OpenResult, SealOptions } from './frame-cryptor';
export { Session } from './session';
export type {
  ArchiveStartedEvent, ArchiveStoppedEvent, SessionEvents, SessionOptions, SignalOptions, ConnectionEvent, StreamEvent, SignalEvent, EndReason, StreamProperty, StreamPropertyChangedEvent,
} from './session';
export { Publisher } from './publisher';
export type {
  PublisherOptions, PublisherEvents, EncodedMediaOptions, PublisherStats, PushedVideoFrame, TestPatternOptions, VideoCodec, VideoFrameFormat, VideoSource,
} from './publisher';
export { Subscriber } from './subscriber';
export type { IceConfig, IceServer, IceCandidateType } from './ice-config';
export type {
  SubscriberEvents, SubscriberStats, MediaCheck, VideoFrame, AudioData, SubscribeOptions, VerifyStats, VerifyKindStats,
  VerifyNotOpened,
} from './subscriber';
export { audio } from './audio';
export type { AudioDevice, AudioModuleDevice } from './audio';
export * as sframe from './sframe';
export { init, destroy, isInitialized, getCodecs } from './media-engine';
export type { SessionApi, PublisherApi, SubscriberApi, Deletable, Listenable, MaybePromise, PublisherStatsCommon } from './api-surface';
export { runBot } from './bot/bot';
export type { BotOptions, BotReport, SubscriptionReport } from './bot/bot';
export type { CodecInfo, CodecDirection, MediaKind } from './media-engine';

/** The raw addon (typed), for tests and tools; applications use the classes above. */
export { native as _native } from './binding';
