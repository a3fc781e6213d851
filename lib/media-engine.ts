import { native } from './binding';
import { type ErrorCode } from './error-code';
import { check, nativeCall, requireType } from './errors';

export interface CodecInfo {
  /** As in SDP: 'VP8', 'VP9', 'H264', 'opus', 'PCMU', ... */
  name: string;
  /** SDP fmtp parameters 'k=v;k=v', '' when none. */
  parameters: string;
  clockRate: number;
  /** Audio channels; 0 for video. */
  channels: number;
}

export type MediaKind = 'audio' | 'video';
export type CodecDirection = 'encode' | 'decode';

/**
 * Starts libwebrtc (its network, worker and signaling threads and one PeerConnectionFactory with
 * Opus audio, VP8/VP9/H.264 video and loopback allowed), as `otc_init`. Calls nest: each init
 * needs one destroy. Throws OtcError on failure (init and destroy mirror otc_init / otc_destroy
 * by name: they start and stop the engine, they do not free an object). Returns a Disposable
 * whose disposal is that one destroy(): `using engine = otc.init();`.
 */
export function init(): Disposable {
  check(native.init());
  let undone = false;
  return {
    [Symbol.dispose](): void {
      if (undone) return;
      undone = true;
      destroy();
    },
  };
}

/** Undoes one init(); the last one tears libwebrtc down. Also done for you at process exit. */
export function destroy(): void {
  check(native.destroy());
}

export function isInitialized(): boolean {
  return native.isInitialized();
}

/** What the engine can encode or decode, as its factory reports it (needs init()). */
export function getCodecs(kind: MediaKind, direction: CodecDirection): CodecInfo[] {
  requireType(kind === 'audio' || kind === 'video', 'kind', "'audio' or 'video'");
  requireType(direction === 'encode' || direction === 'decode', 'direction', "'encode' or 'decode'");
  return nativeCall(() => native.getCodecs(kind, direction));
}

export type { ErrorCode };
