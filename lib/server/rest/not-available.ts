// What OpenTok's REST API offers and this server cannot do here: answered 501 with a body that
// says so, never a 404 that the SDKs turn into "Session or Connection not found". Each entry is
// a path as the `opentok` and `@vonage/video` SDKs build it, after /v2/project/{id}/.
import { HttpError } from './http';

interface Unavailable {
  pattern: RegExp;
  what: string;
  why: string;
}

const NEEDS_MEDIA_EGRESS = 'it needs a media egress (transcoding, HLS/RTMP output) that this server does not run';

const UNAVAILABLE: readonly Unavailable[] = [
  { pattern: /^broadcast(\/[^/]+(\/(stop|streams|layout))?)?\/?$/, what: 'live streaming broadcasts (HLS/RTMP)', why: NEEDS_MEDIA_EGRESS },
  { pattern: /^dial$/, what: 'SIP interconnect (dial)', why: 'it needs a SIP gateway, which this server does not have' },
  { pattern: /^session\/[^/]+(\/connection\/[^/]+)?\/play-dtmf$/, what: 'DTMF to SIP participants (play-dtmf)', why: 'it needs a SIP gateway, which this server does not have' },
  { pattern: /^render(\/[^/]+)?$/, what: 'Experience Composer (render)', why: 'it needs a headless browser service that records and publishes a page' },
  { pattern: /^connect(\/[^/]+\/stop)?$/, what: 'the Audio Connector (connect)', why: 'it needs a media egress to WebSocket endpoints' },
  { pattern: /^archive\/[^/]+\/layout$/, what: 'archive layouts', why: 'only composed archives have a layout, and this server records each stream on its own: it cannot decode, let alone compose, end-to-end encrypted media' },
  // Served by a SessionServer; a REST handler built without them (tests) answers 501 rather than 404.
  { pattern: /^archive(\/[^/]+(\/(stop|streams))?)?\/?$/, what: 'archiving', why: 'this REST handler has no archiver' },
  { pattern: /^callback(\/[^/]+)?$/, what: 'session monitoring callbacks', why: 'this REST handler has no callback registry' },
  { pattern: /^captions(\/[^/]+(\/stop)?)?$/, what: 'live captions', why: 'it needs a speech-to-text service; in an end-to-end encrypted session the server cannot hear the audio at all' },
];

/** Throws 501 when `rest` (the path after /v2/project/{id}/) is one of OpenTok's calls this server cannot serve. */
export function refuseUnavailable(rest: string): void {
  const entry = UNAVAILABLE.find((u) => u.pattern.test(rest));
  if (entry) throw new HttpError(501, `${entry.what} is not available on this server: ${entry.why}`);
}
