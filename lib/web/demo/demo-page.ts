// The demo page: joins one of the demo's sessions with the secret the person types, shows the
// bot's stream decrypted (or says the secret does not match), sends the page's own test pattern
// to the bot, shows live figures, and, for the routed session, what Janus recorded of the bot's
// stream: the same frames as ciphertext. `window.otcDemo.snapshot()` gives tests the figures.
import {
  ErrorCode, FrameCodeReader, type FrameCodeStats, OtcError, Publisher, type PublisherStats, ServerClock, Session,
  type StreamEvent, Subscriber, type SubscriberStats,
} from '../client/index';

interface DemoConfig {
  sessions: Array<{ mode: 'relayed' | 'routed'; sessionId: string; apiKey: string; token: string }>;
  botName: string;
}

interface RecordingView {
  available: boolean;
  reason?: string;
  file?: string;
  codec?: string;
  encrypted?: boolean;
  frames?: number;
  bytes?: number;
  keyFrame?: { index: number; size: number; timestamp: number; data: string } | null;
}

export interface DemoSnapshot {
  joined: boolean;
  mode: string;
  status: string;
  mismatchShown: boolean;
  keyEpoch: number;
  subscriber: SubscriberStats | null;
  code: FrameCodeStats | null;
  publisher: PublisherStats | null;
  router: { frames: number; encrypted: boolean; decoder: string } | null;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const modeSelect = $<HTMLSelectElement>('mode');
const secretInput = $<HTMLInputElement>('secret');
const joinButton = $<HTMLButtonElement>('join');
const applyButton = $<HTMLButtonElement>('apply-secret');
const leaveButton = $<HTMLButtonElement>('leave');
const statusLine = $('status');
const mismatchBanner = $('mismatch');
const botVideo = $<HTMLVideoElement>('bot-video');
const ownVideo = $<HTMLVideoElement>('own-video');
const routerTile = $('router-tile');
const routerCanvas = $<HTMLCanvasElement>('router-frame');
const routerNote = $('router-note');
const statsBody = document.querySelector('#stats tbody') as HTMLTableSectionElement;

let config: DemoConfig | null = null;
let clock = ServerClock.local();
let session: Session | null = null;
let publisher: Publisher | null = null;
let subscriber: Subscriber | null = null;
let reader: FrameCodeReader | null = null;
let keyEpoch = 0;
let routerView: { frames: number; encrypted: boolean; decoder: string } | null = null;
let timer: ReturnType<typeof setInterval> | null = null;

function status(text: string): void {
  statusLine.textContent = text;
}

function showMismatch(shown: boolean): void {
  mismatchBanner.classList.toggle('shown', shown);
  botVideo.style.visibility = shown ? 'hidden' : 'visible';
}

async function join(): Promise<void> {
  if (!config) return;
  const choice = config.sessions.find((s) => s.mode === modeSelect.value) ?? config.sessions[0]!;
  const s = new Session(choice.apiKey, choice.sessionId);
  const code = s.setEncryptionSecret(secretInput.value);
  if (code !== ErrorCode.OTC_SUCCESS) {
    status(`That secret cannot be used: ${ErrorCode[code]} (8 to 256 characters).`);
    return;
  }
  session = s;
  joinButton.disabled = true;
  s.on('encryptionKeyReady', (epoch) => {
    keyEpoch = epoch;
  });
  s.on('error', (error) => status(`session: ${error.message}`));
  s.on('streamCreated', (stream) => {
    if (stream.name === config!.botName) watch(stream);
  });
  s.on('streamDestroyed', (stream) => {
    if (subscriber?.stream.streamId === stream.streamId) status('The bot left.');
  });
  s.on('disconnected', () => status('Left the session.'));
  status(`Joining the ${choice.mode} session…`);
  try {
    await s.connect(choice.token);
  } catch (error) {
    status(`Cannot join: ${error instanceof OtcError ? error.message : String(error)}`);
    joinButton.disabled = false;
    session = null;
    return;
  }
  applyButton.disabled = false;
  leaveButton.disabled = false;
  routerTile.classList.toggle('shown', choice.mode === 'routed');
  publisher = new Publisher({ name: 'demo page', videoSource: 'testPattern', audioSource: 'tone', testPattern: { width: 640, height: 360, fps: 30, clock: () => clock.now() } });
  publisher.on('error', (error) => status(`publisher: ${error.message}`));
  try {
    await s.publish(publisher);
    ownVideo.srcObject = publisher.mediaStream;
    $('own-note').textContent = 'The test pattern of this page, sealed in the frame worker before it leaves; the bot reads its frame code.';
  } catch (error) {
    status(`Cannot publish: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!subscriber) status(`Joined the ${choice.mode} session; waiting for the bot's stream…`);
  timer = setInterval(() => void refresh(), 1000);
}

function watch(stream: StreamEvent): void {
  if (!session || subscriber) return;
  subscriber = session.subscribe(stream, { element: botVideo });
  reader = new FrameCodeReader(botVideo, () => clock.now());
  subscriber.on('connected', () => status('Receiving the bot\'s stream.'));
  subscriber.on('encryptionSecretMismatch', () => {
    showMismatch(true);
    status('Encryption secret mismatch: enter the secret the demo printed and press "Use this secret".');
  });
  subscriber.on('encryptionSecretMatch', () => {
    showMismatch(false);
    status('The bot\'s frames decrypt again.');
  });
  subscriber.on('error', (error) => status(`subscriber: ${error.message}`));
  subscriber.on('disconnected', () => {
    subscriber = null;
    reader?.stop();
    reader = null;
  });
}

function applySecret(): void {
  if (!session) return;
  const code = session.setEncryptionSecret(secretInput.value);
  status(code === ErrorCode.OTC_SUCCESS ? 'New secret set: it takes effect as soon as its key is derived.' : `That secret cannot be used: ${ErrorCode[code]}.`);
}

async function leave(): Promise<void> {
  if (timer) clearInterval(timer);
  timer = null;
  reader?.stop();
  reader = null;
  publisher?.delete();
  publisher = null;
  await session?.disconnect();
  session = null;
  subscriber = null;
  joinButton.disabled = false;
  applyButton.disabled = true;
  leaveButton.disabled = true;
  showMismatch(false);
}

async function snapshot(): Promise<DemoSnapshot> {
  return {
    joined: session !== null,
    mode: session?.mediaMode ?? '',
    status: statusLine.textContent ?? '',
    mismatchShown: mismatchBanner.classList.contains('shown'),
    keyEpoch,
    subscriber: subscriber ? await subscriber.stats() : null,
    code: reader?.stats ?? null,
    publisher: publisher ? await publisher.stats() : null,
    router: routerView,
  };
}

async function refresh(): Promise<void> {
  const s = await snapshot();
  const rows: Array<[string, string]> = [
    ['bot → page: frames decrypted (video / audio)', s.subscriber ? `${s.subscriber.videoFramesOpened} / ${s.subscriber.audioFramesOpened}` : '–'],
    ['frames that did not decrypt (mismatch)', s.subscriber ? String(s.subscriber.framesMismatch) : '–'],
    ['frames failing authentication', s.subscriber ? String(s.subscriber.framesIntegrityFailure) : '–'],
    ['video frames decoded', s.subscriber ? String(s.subscriber.videoFramesDecoded) : '–'],
    ['fps (test pattern frames read / s)', s.code ? String(s.code.fps) : '–'],
    ['latency capture → shown, p50 / p95 (ms)', s.code?.framesRead ? `${s.code.latencyP50Ms} / ${s.code.latencyP95Ms}` : '–'],
    ['last test pattern frame read', s.code && s.code.lastFrameNumber >= 0 ? String(s.code.lastFrameNumber) : '–'],
    ['page → bot: frames sealed (video / audio)', s.publisher ? `${s.publisher.videoFramesSealed} / ${s.publisher.audioFramesSealed}` : '–'],
    ['this page\'s key epoch', s.keyEpoch ? `0x${s.keyEpoch.toString(16)}` : '–'],
  ];
  if (s.mode === 'routed') {
    rows.push(['frames Janus recorded of the bot', routerView ? String(routerView.frames) : '–']);
    void refreshRouter();
  }
  statsBody.replaceChildren(...rows.map(([name, value]) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.textContent = name;
    const td = document.createElement('td');
    td.className = 'v';
    td.textContent = value;
    tr.append(th, td);
    return tr;
  }));
}

let routerBusy = false;
async function refreshRouter(): Promise<void> {
  if (!session || routerBusy) return;
  routerBusy = true;
  try {
    const view = (await (await fetch(`/demo/recording?session=${encodeURIComponent(session.sessionId)}`, { cache: 'no-store' })).json()) as RecordingView;
    if (!view.available || !view.keyFrame) {
      routerNote.textContent = `Nothing to show yet: ${view.reason ?? 'no key frame recorded yet'}.`;
      return;
    }
    const data = Uint8Array.from(atob(view.keyFrame.data), (c) => c.charCodeAt(0));
    const decoder = await tryDecode(data);
    routerView = { frames: view.frames ?? 0, encrypted: view.encrypted === true, decoder };
    const hex = [...data.subarray(0, 24)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    routerNote.textContent = `Janus recorded ${view.frames} frames of the bot's video (${Math.round((view.bytes ?? 0) / 1024)} KiB, ` +
      `marked ${view.encrypted ? 'end-to-end encrypted' : 'plain'}). Latest key frame #${view.keyFrame.index}, ${view.keyFrame.size} bytes: ` +
      `${decoder}. It starts ${hex} …: the VP8 header in the clear, then SFrame ciphertext.`;
  } catch (error) {
    routerNote.textContent = `Cannot read the recording: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    routerBusy = false;
  }
}

/** Feeds the recorded frame to a VP8 decoder as it is: what anyone holding the recording sees. */
async function tryDecode(data: Uint8Array): Promise<string> {
  const g = routerCanvas.getContext('2d')!;
  drawBytes(g, data);
  if (typeof VideoDecoder === 'undefined') return 'this browser has no WebCodecs to try decoding it';
  let outcome = 'the VP8 decoder produced no picture';
  const decoder = new VideoDecoder({
    output: (frame) => {
      g.drawImage(frame, 0, 0, routerCanvas.width, routerCanvas.height);
      frame.close();
      outcome = 'the VP8 decoder produced only noise (shown)';
    },
    error: (error) => {
      outcome = `undecodable: the VP8 decoder failed (${error.message})`;
    },
  });
  try {
    decoder.configure({ codec: 'vp8' });
    decoder.decode(new EncodedVideoChunk({ type: 'key', timestamp: 0, data }));
    await decoder.flush();
  } catch (error) {
    if (!outcome.startsWith('undecodable')) outcome = `undecodable: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    if (decoder.state !== 'closed') decoder.close();
  }
  return outcome;
}

/** The frame's bytes as grey pixels: ciphertext looks like noise. */
function drawBytes(g: CanvasRenderingContext2D, data: Uint8Array): void {
  const { width, height } = routerCanvas;
  const image = g.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const b = data[i % data.length]!;
    image.data.set([b, b, b, 255], i * 4);
  }
  g.putImageData(image, 0, 0);
}

async function start(): Promise<void> {
  config = (await (await fetch('/demo/config', { cache: 'no-store' })).json()) as DemoConfig;
  modeSelect.replaceChildren(...config.sessions.map((s) => new Option(s.mode === 'routed' ? 'routed through Janus' : 'relayed (peer to peer)', s.mode)));
  clock = await ServerClock.sync(location.origin).catch(() => ServerClock.local());
  const wanted = new URLSearchParams(location.search).get('mode');
  if (wanted && config.sessions.some((s) => s.mode === wanted)) modeSelect.value = wanted;
}

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void join();
});
applyButton.addEventListener('click', applySecret);
leaveButton.addEventListener('click', () => void leave());

(window as unknown as { otcDemo: { snapshot: () => Promise<DemoSnapshot>; ready: Promise<void> } }).otcDemo = {
  snapshot,
  ready: start().catch((error: unknown) => status(`Cannot load the demo: ${String(error)}`)),
};
