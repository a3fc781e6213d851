// examples/c and examples/ts (inside scripts/netns-run.sh): each joins a routed E2EE session,
// publishes, subscribes to its own stream through Janus and checks the media.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { API_KEY, sharedRoutedServer } from './helpers';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '../../..');
const C_EXAMPLE = path.join(ROOT, 'build-test', 'otc_example_c');
const TS_EXAMPLE = path.join(ROOT, 'dist', 'examples', 'ts', 'join-and-check.js');
const SECRET = 'the examples share this secret';


const server = sharedRoutedServer(test);

const examples: Array<[string, string, () => [string, string[]]]> = [
  ['examples/c', C_EXAMPLE, () => [C_EXAMPLE, []]],
  ['examples/ts', TS_EXAMPLE, () => [process.execPath, [TS_EXAMPLE]]],
];

for (const [name, file, command] of examples) {
  test.serial(`${name} joins a routed E2EE session, publishes, receives its own stream through Janus and passes its media check`, async (t) => {
    t.timeout(60_000);
    t.true(fs.existsSync(file), `${file} is missing: scripts/test.sh builds it (ctest's build-test, npm run build:ts)`);
    const { sessionId } = server().createSession({ e2ee: true, mediaMode: 'routed' });
    const [binary, prefix] = command();
    const result = await run(binary, [...prefix, server().signalingUrl, API_KEY, sessionId, server().generateToken(sessionId), '4'],
      { env: { ...process.env, OTC_E2EE_SECRET: SECRET }, timeout: 50_000 })
      .then((r) => ({ code: 0, out: r.stdout + r.stderr }), (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, out: err.stdout + err.stderr }));
    t.log(result.out.trim());
    t.is(result.code, 0);
    t.regex(result.out, /end-to-end encrypted/);
    t.regex(result.out, /PASS/);
    const bad = await run(binary, [...prefix, server().signalingUrl], { env: { ...process.env, OTC_E2EE_SECRET: SECRET } })
      .then(() => 0, (err: { code: number }) => err.code);
    t.is(bad, 2, 'usage errors exit 2');
  });
}
