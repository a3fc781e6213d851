// node-otc in the browser: Session, Publisher and Subscriber with the Node API's calls, events
// and result codes, end-to-end encrypted with the same frame format. Bundled by
// scripts/build-web.mjs as an ES module (otc-client.mjs) and as a plain script (otc-client.js,
// global `OTC`); the session server serves both.
export { ErrorCode } from '../../error-code';
export { OtcError } from '../../errors';
export type { ConnectionEvent, MuteForcedEvent, PublisherEvents, SessionEvents, SignalEvent, SignalOptions, StreamEvent } from '../../session-types';
export { Session, type SessionOptions } from './session';
export type { IceConfig, IceServerConfig } from './ice-config';
export { Publisher, type PublisherOptions, type PublisherStats, type VideoCodec } from './publisher';
export { Subscriber, type SubscriberEvents, type SubscriberOptions, type SubscriberStats } from './subscriber';
export { insertableStreamsSupported } from './e2ee-context';
export { ServerClock } from './server-clock';
export { FrameCodeReader, type FrameCodeStats } from './frame-code-reader';
export { CanvasTestPattern, type TestPatternOptions } from './test-pattern';
export { readFrameCode, writeFrameCode, lumaFromRgba, codeBandHeight, type FrameCode } from '../frame-code';
export { WebFrameCryptor } from '../e2ee/frame-cryptor';

/** The client's version (the package's). */
export const VERSION = '0.1.0';
