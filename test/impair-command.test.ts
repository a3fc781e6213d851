// `node-otc impair`: bad flags exit 2 naming the flag; a running relay carries UDP both ways with
// the loss asked for, prints its counters and stops on SIGINT with exit 0.
import { execFile, spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import test from 'ava';
import { sleep, until } from './helpers/wait';

const CLI = path.join(__dirname, '../lib/cli/index.js');

function run(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 10_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

for (const [args, message] of [
  [['impair'], /--to is required/],
  [['impair', '--to', 'nowhere'], /--to must be HOST:PORT/],
  [['impair', '--to', '127.0.0.1:99999'], /--to must be HOST:PORT/],
  [['impair', '--to', '127.0.0.1:3478', '--loss', '101'], /--loss must be a number from 0 to 100/],
  [['impair', '--to', '127.0.0.1:3478', '--rate', '0'], /--rate must be a number from 1/],
  [['impair', '--to', '127.0.0.1:3478', '--outage-every', '10'], /go together/],
  [['impair', '--to', '127.0.0.1:3478', '--outage-every', '2', '--outage-for', '3'], /shorter than/],
] as const) {
  test(`impair ${args.slice(1).join(' ') || '(no flags)'} exits 2`, async (t) => {
    const r = await run([...args]);
    t.is(r.code, 2);
    t.regex(r.stderr + r.stdout, message);
  });
}

test('impair relays UDP both ways with the loss asked for and stops on SIGINT', async (t) => {
  const echo = dgram.createSocket('udp4');
  echo.on('message', (data, rinfo) => echo.send(data, rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
  t.teardown(() => echo.close());
  const child = spawn(process.execPath, [CLI, 'impair', '--to', `127.0.0.1:${echo.address().port}`, '--listen', '127.0.0.1:0',
    '--loss', '20', '--seed', '3']);
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
  await until(t, () => /relaying udp 127\.0\.0\.1:(\d+)/.test(out), 10_000, () => `the relay's address in: ${out}`);
  const port = Number(/relaying udp 127\.0\.0\.1:(\d+)/.exec(out)![1]);

  const client = dgram.createSocket('udp4');
  let echoed = 0;
  client.on('message', () => { echoed += 1; });
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  t.teardown(() => client.close());
  for (let i = 0; i < 500; i++) {
    client.send(Buffer.alloc(100, i), port, '127.0.0.1');
    if (i % 50 === 49) await sleep(10);
  }
  await sleep(500);
  // 20% each way: 64% of round trips survive.
  t.true(echoed > 250 && echoed < 390, `${echoed} of 500 came back at 20% loss each way`);

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  t.is(await exited, 0);
});
