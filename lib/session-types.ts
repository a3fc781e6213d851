// What a session reports and takes, shared by the Node API and the browser client (lib/web/client).

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
}

export interface SignalEvent {
  type: string;
  data: string;
  /** The connection id of the sender. */
  from: string;
}

export interface SignalOptions {
  /** letters, digits, "-", "_", "~"; at most 128 characters. */
  type?: string;
  /** At most 8 KiB of UTF-8. */
  data: string;
  /** A connection id; everyone when absent. */
  to?: string;
}
