// `kill -9` of a `serve --data DIR` server in the middle of REST traffic loses nothing it
// acknowledged: several callers create sessions (both media modes), register and remove
// session-monitoring callbacks, and turn the session mute state on, as fast as the server
// answers; the server is killed while requests are in flight and started again on the same
// directory. Every session a 200 answered exists with its media mode and mute state, every
// callback a 200 answered is listed unless a 204 removed it, and nothing removed is back. What
// was in flight at the kill may have happened or not: both are right, so it is not judged.
import test from 'ava';
import { signRestAuth } from '../lib/server/rest-auth';
import { generateToken } from '../lib/server/tokens';
import { TestClient } from './server/helpers/client';
import { type ServeProcess, startServe } from './helpers/serve-process';
import { tempDir } from './helpers/temp-dir';

const API_KEY = '47000021';
const API_SECRET = 'k'.repeat(40);
const CALLERS = 6;
/** Acknowledged requests before the kill: enough that it lands in the middle of the traffic. */
const ACKED_BEFORE_KILL = 300;

interface Acked {
  sessions: Map<string, 'relayed' | 'routed'>;
  muted: Set<string>;
  callbacks: Set<string>;
  removed: Set<string>;
  count: number;
}

class Rest {
  constructor(private readonly url: string) {}

  async call(method: string, path: string, body?: string, type = 'application/json'): Promise<{ status: number; text: string }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'X-OPENTOK-AUTH': signRestAuth(API_KEY, API_SECRET), Accept: 'application/json', ...(body !== undefined && { 'Content-Type': type }) },
      ...(body !== undefined && { body }),
    });
    return { status: response.status, text: await response.text() };
  }
}

function serve(dataDir: string, t: Parameters<typeof startServe>[0]): Promise<ServeProcess> {
  return startServe(t, ['--no-router', '--port', '0', '--data', dataDir,
    '--limit', 'restRequestsPerSecondPerAddress=100000', '--limit', 'restBurstPerAddress=100000'],
  { OTC_API_KEY: API_KEY, OTC_API_SECRET: API_SECRET });
}

/** One caller: a mix of writes until a request fails (the kill), recording what was answered. */
async function caller(rest: Rest, acked: Acked, index: number, stop: { now: boolean }): Promise<void> {
  const project = `/v2/project/${API_KEY}`;
  const own: string[] = [];
  for (let i = 0; !stop.now; i++) {
    try {
      const step = i % 4;
      if (step === 0 || step === 2) {
        const mode = (i + index) % 2 === 0 ? 'relayed' : 'routed';
        const res = await rest.call('POST', '/session/create', `p2p.preference=${mode === 'relayed' ? 'enabled' : 'disabled'}`,
          'application/x-www-form-urlencoded');
        if (res.status !== 200) throw new Error(`session/create: ${res.status} ${res.text}`);
        acked.sessions.set((JSON.parse(res.text) as Array<{ session_id: string }>)[0]!.session_id, mode);
      } else if (step === 1) {
        const sessions = [...acked.sessions.keys()];
        const sessionId = sessions[(i * 7 + index) % sessions.length]!;
        const res = await rest.call('POST', `${project}/session/${encodeURIComponent(sessionId)}/mute`,
          JSON.stringify({ active: true, excludedStreamIds: [] }));
        if (res.status !== 200) throw new Error(`mute: ${res.status} ${res.text}`);
        acked.muted.add(sessionId);
      } else if (own.length >= 4) {
        const id = own.shift()!;
        // From the moment it is asked for, its removal may have happened: a DELETE in flight at
        // the kill may have been served without its 204 arriving, so the callback is neither
        // acknowledged kept nor acknowledged removed until the answer comes.
        acked.callbacks.delete(id);
        const res = await rest.call('DELETE', `${project}/callback/${id}`);
        if (res.status !== 204) throw new Error(`callback delete: ${res.status} ${res.text}`);
        acked.removed.add(id);
      } else {
        const res = await rest.call('POST', `${project}/callback`, JSON.stringify({
          group: i % 8 < 4 ? 'connection' : 'stream', event: 'created', url: `http://127.0.0.1:9/hook/${index}/${i}`,
        }));
        if (res.status !== 200) throw new Error(`callback: ${res.status} ${res.text}`);
        const id = (JSON.parse(res.text) as { id: string }).id;
        acked.callbacks.add(id);
        own.push(id);
      }
      acked.count++;
    } catch (err) {
      if (stop.now) return; // the kill: this request is in flight, neither acknowledged nor refused
      throw err;
    }
  }
}

test('kill -9 in the middle of REST traffic: every acknowledged session, mute state and callback is there after the restart, nothing removed is back', async (t) => {
  t.timeout(90_000);
  const dataDir = tempDir(t, 'otc-rest-kill-');
  const first = await serve(dataDir, t);
  const rest = new Rest(first.url);
  const acked: Acked = { sessions: new Map(), muted: new Set(), callbacks: new Set(), removed: new Set(), count: 0 };
  // A session exists before the callers start, so the mute step always has one.
  const seed = await rest.call('POST', '/session/create', 'p2p.preference=enabled', 'application/x-www-form-urlencoded');
  acked.sessions.set((JSON.parse(seed.text) as Array<{ session_id: string }>)[0]!.session_id, 'relayed');
  const stop = { now: false };
  const callers = Array.from({ length: CALLERS }, (_, i) => caller(rest, acked, i, stop));
  const deadline = Date.now() + 60_000;
  while (acked.count < ACKED_BEFORE_KILL && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  t.true(acked.count >= ACKED_BEFORE_KILL, `only ${acked.count} requests answered in 60 s: ${first.output()}`);
  stop.now = true;
  first.child.kill('SIGKILL');
  const exit = await first.exited;
  t.is(exit.signal, 'SIGKILL');
  await Promise.all(callers);
  t.log(`killed after ${acked.count} acknowledged requests: ${acked.sessions.size} sessions (${acked.muted.size} muted), ` +
    `${acked.callbacks.size} callbacks kept, ${acked.removed.size} removed`);

  const second = await serve(dataDir, t);
  const after = new Rest(second.url);
  const missing: string[] = [];
  for (const [sessionId, mode] of acked.sessions) {
    const res = await after.call('GET', `/v2/project/${API_KEY}/session/${encodeURIComponent(sessionId)}`);
    if (res.status !== 200) {
      missing.push(`session ${sessionId}: ${res.status}`);
      continue;
    }
    const info = JSON.parse(res.text) as { media_mode: string };
    if (info.media_mode !== mode) missing.push(`session ${sessionId}: ${info.media_mode}, created ${mode}`);
  }
  t.deepEqual(missing, []);
  // The mute state shows where a client sees it: in its connect answer.
  const unmuted: string[] = [];
  for (const sessionId of acked.muted) {
    const client = await TestClient.open(second.signalingUrl);
    const ack = await client.connect(generateToken(API_KEY, API_SECRET, sessionId, {}));
    if ((ack as { forceMuteActive?: boolean }).forceMuteActive !== true) unmuted.push(sessionId);
    client.ws.close();
    await client.closed;
  }
  t.deepEqual(unmuted, [], 'acknowledged mute states lost');
  const listed = await after.call('GET', `/v2/project/${API_KEY}/callback`);
  t.is(listed.status, 200);
  const ids = new Set((JSON.parse(listed.text) as Array<{ id: string }>).map((c) => c.id));
  t.deepEqual([...acked.callbacks].filter((id) => !ids.has(id)), [], 'acknowledged callbacks lost');
  t.deepEqual([...acked.removed].filter((id) => ids.has(id)), [], 'removed callbacks back');
  second.child.kill('SIGTERM');
  await second.exited;
});
