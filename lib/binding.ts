// Loads the native addon: a prebuild from prebuilds/<platform>-<arch>/ when one fits, else the
// local build (build/Release), as node-gyp-build decides. Types describe the addon's raw
// surface; the classes of this package validate arguments before they reach it.
import type { IceConfig } from './ice-config';
import * as path from 'node:path';
import type {
  FrameCryptorStats, MediaCheck, NativePublisherEvent, NativeSessionEvent, NativeSubscriberEvent, PublisherStats,
  SubscriberStats, VerifyStats, VideoCodec, VideoFrameFormat, VideoSource,
} from './native-types';
import type { SessionCapabilities } from './session-types';

/** Result of a native call that can fail for a reason of the call: `status` 0 is success. */
export interface NativeStatus {
  status: number;
}

// seal/open go through sealInto/openInto with a Buffer the TypeScript layer allocates: no
// copy, no zero-fill and no result object per call. Call errors come back as -status.
export interface NativeFrameCryptor {
  /** Bytes written to out, or -status (OTC_E2EE_DELETED once closed). */
  sealInto(codec: number, keyFrame: boolean, frame: Uint8Array, out: Uint8Array): number;
  /** size * 16 + event * 4 + outcome (the C enums' numbers), or -status. */
  openInto(codec: number, sealed: Uint8Array, out: Uint8Array): number;
  setSecret(secret: string | Uint8Array): Promise<number>;
  ratchet(): number;
  stats(): FrameCryptorStats | NativeStatus;
  close(): void;
  isClosed(): boolean;
}

export interface NativeFrameCryptorClass {
  create(
    sessionId: string,
    secret: string | Uint8Array,
    suite: number,
    gracePeriodMs: number,
  ): Promise<NativeFrameCryptor | number>;
  /** otc_frame_cryptor_max_sealed_size. */
  maxSealedSize(codec: number, plainSize: number): number;
}


/** otc_session_settings: where the server is, and the CAs a wss:// URL trusts (PEM file or text). */
export interface NativeSessionSettings {
  signalingUrl?: string;
  caFile?: string;
  ca?: string;
  iceConfig?: IceConfig;
  /** otc_session_settings_set_reconnection_timeout (checked by lib/session.ts). */
  reconnectionTimeoutMs?: number;
}

export interface NativeSession {
  setEncryptionSecret(secret: string | Uint8Array): number;
  getEncryptionEpoch(): number | null;
  hasEncryptionSecret(): boolean;
  getId(): string;
  delete(): void;
  isDeleted(): boolean;
  connect(token: string): number;
  disconnect(): number;
  sendSignal(type: string, data: string, to: string | null): number;
  getConnectionId(): string | null;
  isE2ee(): boolean;
  publish(publisher: NativePublisher): number;
  unpublish(publisher: NativePublisher): number;
  subscribe(subscriber: NativeSubscriber): number;
  unsubscribe(subscriber: NativeSubscriber): number;
  ratchetEncryptionKey(): number;
  forceMuteStream(streamId: string): number;
  forceMuteAll(excludedStreamIds: string[]): number;
  disableForceMute(): number;
  forceDisconnect(connectionId: string): number;
  forceUnpublish(streamId: string): number;
  getCapabilities(): SessionCapabilities;
}

/** Pre-encoded files a publisher sends as they are (PublisherOptions.encodedMedia). */
export interface EncodedMediaOptions {
  /** An IVF file of VP8 or VP9 frames, or a raw H.264 Annex B stream (no B-frames). */
  video?: string;
  /** An Ogg Opus file. */
  audio?: string;
  /** Raw H.264's frame rate (it has no timestamps), 1..120; default 30. */
  frameRate?: number;
}

/** What NativePublisher's constructor reads (every field optional; types checked natively). */
export interface NativePublisherSettings {
  name?: string;
  audio?: boolean;
  video?: boolean;
  videoCodec?: VideoCodec;
  videoSource?: VideoSource;
  testPattern?: { width: number; height: number; fps: number };
  encodedMedia?: EncodedMediaOptions;
}


export interface NativePublisher {
  pushVideoFrame(format: VideoFrameFormat, width: number, height: number, data: Uint8Array): number;
  setPublishAudio(enabled: boolean): number;
  setPublishVideo(enabled: boolean): number;
  /** Throws an Error with a numeric `code` when the C API refuses. */
  getStats(): PublisherStats;
  getStreamId(): string | null;
  delete(): void;
  isDeleted(): boolean;
}


export interface NativeSubscriber {
  getStats(): SubscriberStats;
  getMediaCheck(): MediaCheck;
  setSubscribeToAudio(enabled: boolean): number;
  setSubscribeToVideo(enabled: boolean): number;
  setVideoFrameDelivery(enabled: boolean): void;
  setAudioDataDelivery(enabled: boolean): void;
  getStreamId(): string;
  getVerifyStats(): VerifyStats;
  setVerifyOnly(enabled: boolean): number;
  getVerifyOnly(): boolean;
  delete(): void;
  isDeleted(): boolean;
}

/** media.h's constants, as the addon was built with them. */
export interface NativeMediaConstants {
  sampleRate: number;
  samplesPerFrame: number;
  maxBufferedSamples: number;
  testPatternWidth: number;
  testPatternHeight: number;
  testPatternFps: number;
}

export interface NativeCodecInfo {
  name: string;
  parameters: string;
  clockRate: number;
  channels: number;
}

export interface NativeAddon {
  NativeFrameCryptor: NativeFrameCryptorClass;
  NativeSession: new (apiKey: string, sessionId: string, onEvent: (...event: NativeSessionEvent) => void, settings?: NativeSessionSettings) => NativeSession;
  NativePublisher: new (settings: NativePublisherSettings, onEvent: (...event: NativePublisherEvent) => void) => NativePublisher;
  NativeSubscriber: new (session: NativeSession, streamId: string, onEvent: (...event: NativeSubscriberEvent) => void) => NativeSubscriber;
  sframeHeaderEncode(kid: bigint, ctr: bigint): NativeStatus & { header?: Buffer };
  sframeHeaderDecode(bytes: Uint8Array): NativeStatus & { kid?: bigint; ctr?: bigint; size?: number };
  sframeAeadSeal(suite: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): NativeStatus & { out?: Buffer };
  sframeAeadOpen(suite: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): NativeStatus & { out?: Buffer };
  sframeDeriveKey(suite: number, baseKey: Uint8Array, kid: bigint): NativeStatus & { key?: Buffer; salt?: Buffer };
  sframeProtect(suite: number, baseKey: Uint8Array, kid: bigint, ctr: bigint, metadata: Uint8Array, pt: Uint8Array): NativeStatus & { out?: Buffer };
  sframeUnprotect(suite: number, baseKey: Uint8Array, metadata: Uint8Array, ct: Uint8Array): NativeStatus & { out?: Buffer; kid?: bigint; ctr?: bigint };
  validateSecret(secret: string | Uint8Array): number;
  deriveBaseKey(sessionId: string, secret: string | Uint8Array): Promise<NativeStatus & { key?: Buffer }>;
  epochId(baseKey: Uint8Array): NativeStatus & { epochId?: number };
  ratchetKey(baseKey: Uint8Array): NativeStatus & { key?: Buffer };
  errorName(code: number): string;
  init(): number;
  destroy(): number;
  isInitialized(): boolean;
  getCodecs(kind: 'audio' | 'video', direction: 'encode' | 'decode'): NativeCodecInfo[];
  audioCaptureSilence(): number;
  audioCaptureTone(frequencyHz: number, amplitude: number): number;
  audioPushCaptureSamples(samples: Int16Array): number;
  audioBufferedCaptureSamples(): number;
  audioInputDevices(): { id: string; name: string }[];
  audioOutputDevices(): { id: string; name: string }[];
  audioSelectInputDevice(id: string | null): number;
  audioSelectOutputDevice(id: string | null): number;
  mediaConstants: NativeMediaConstants;
  /** Deletes every native publisher and subscriber of this environment (process 'exit'). */
  shutdownMedia(): void;
}

/** The package root: dist/lib/ is two levels below it. */
export const packageRoot = path.resolve(__dirname, '..', '..');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = require('node-gyp-build') as (dir: string) => unknown;

export const native = load(packageRoot) as NativeAddon;
