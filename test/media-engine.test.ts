// libwebrtc inside the addon: a PeerConnectionFactory with Opus and loopback, its codecs, and a
// clean teardown, from Node (and from a worker thread that never tears it down itself).
import test from 'ava';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as otc from '../lib/index';

const run = promisify(execFile);
const indexPath = path.resolve(__dirname, '..', 'lib', 'index.js');

test.serial('init creates the factory, lists codecs it can encode and decode, destroy tears it down', (t) => {
  t.false(otc.isInitialized());
  otc.init();
  t.true(otc.isInitialized());
  const names = (kind: otc.MediaKind, direction: otc.CodecDirection) =>
    new Set(otc.getCodecs(kind, direction).map((c) => c.name.toUpperCase()));
  for (const direction of ['encode', 'decode'] as const) {
    const video = names('video', direction);
    for (const codec of ['VP8', 'VP9', 'H264']) t.true(video.has(codec), `video ${direction}: ${codec}`);
    const audio = names('audio', direction);
    t.true(audio.has('OPUS'), `audio ${direction}: opus`);
    for (const pseudo of ['RTX', 'RED', 'ULPFEC', 'FLEXFEC-03', 'CN', 'TELEPHONE-EVENT'])
      t.false(video.has(pseudo) || audio.has(pseudo), `${pseudo} is not a codec`);
  }
  const opus = otc.getCodecs('audio', 'encode').find((c) => c.name.toLowerCase() === 'opus');
  t.is(opus?.clockRate, 48000);
  t.is(opus?.channels, 2);
  const vp8 = otc.getCodecs('video', 'encode').find((c) => c.name === 'VP8');
  t.is(vp8?.clockRate, 90000);
  otc.destroy();
  t.false(otc.isInitialized());
});

test.serial('init nests, destroy without init is an error, getCodecs needs init', (t) => {
  otc.init();
  otc.init();
  otc.destroy();
  t.true(otc.isInitialized());
  otc.destroy();
  t.false(otc.isInitialized());
  const error = t.throws(() => otc.destroy(), { instanceOf: otc.OtcError });
  t.is(error?.code, otc.ErrorCode.OTC_MEDIA_ENGINE_NOT_INITIALIZED);
  const notInitialized = t.throws(() => otc.getCodecs('video', 'encode'), { instanceOf: otc.OtcError });
  t.is(notInitialized?.code, otc.ErrorCode.OTC_MEDIA_ENGINE_NOT_INITIALIZED);
  t.throws(() => otc.getCodecs('text' as otc.MediaKind, 'encode'), { instanceOf: TypeError });
});

test.serial('20 init/destroy cycles leave no libwebrtc threads behind', async (t) => {
  const script = `
    const otc = require(${JSON.stringify(indexPath)});
    const fs = require('fs');
    const threads = () => fs.readdirSync('/proc/self/task').length;
    const before = threads();
    for (let i = 0; i < 20; i++) { otc.init(); otc.getCodecs('video', 'decode'); otc.destroy(); }
    console.log(JSON.stringify({ before, after: threads() }));`;
  const { stdout } = await run(process.execPath, ['-e', script], { timeout: 60_000 });
  const { before, after } = JSON.parse(stdout) as { before: number; after: number };
  t.is(after, before);
});

test('a process that exits with the engine running exits cleanly', async (t) => {
  const script = `const otc = require(${JSON.stringify(indexPath)}); otc.init(); console.log('up');`;
  const { stdout } = await run(process.execPath, ['-e', script], { timeout: 30_000 });
  t.is(stdout.trim(), 'up');
  const exit = `const otc = require(${JSON.stringify(indexPath)}); otc.init(); process.exit(0);`;
  await t.notThrowsAsync(run(process.execPath, ['-e', exit], { timeout: 30_000 }));
});

test('a worker thread can use the engine and exit without destroying it', async (t) => {
  const script = `
    const { Worker } = require('worker_threads');
    const code = 'const otc = require(' + JSON.stringify(${JSON.stringify(indexPath)}) + ');' +
      'otc.init(); require("worker_threads").parentPort.postMessage(otc.getCodecs("video","encode").length);';
    let done = 0;
    for (let i = 0; i < 3; i++) {
      const w = new Worker(code, { eval: true });
      w.on('message', (n) => { if (n < 3) process.exit(2); });
      w.on('error', (e) => { console.error(e); process.exit(3); });
      w.on('exit', () => { if (++done === 3) console.log('workers done'); });
    }`;
  const { stdout } = await run(process.execPath, ['-e', script], { timeout: 60_000 });
  t.is(stdout.trim(), 'workers done');
});
