// `npx node-otc demo` as a person runs it: the command prints the page's URL and the secret; the
// page, given the secret, shows the bot's video decrypted in both sessions; Ctrl-C ends it all.
import test from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { joinFromPageUrl, launchChromium, saveScreenshot, waitForPage } from './helpers';

const CLI = path.join(__dirname, '..', '..', 'lib', 'cli', 'index.js');
let browser: Browser;

test.before(async () => {
  browser = await launchChromium();
});

test.after.always(async () => {
  await browser?.close();
});

/** Starts the demo; resolves with its page URL and secret once its whole banner is printed. */
function startDemo(t: { log(...v: unknown[]): void }): Promise<{ child: ChildProcess; url: string; secret: string; output: () => string }> {
  const child = spawn(process.execPath, [CLI, 'demo', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo printed no URL within 30 s:\n${output}`)), 30_000);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      t.log(output);
      reject(new Error(`the demo exited with ${code} before printing its URL`));
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const url = /demo page:\s+(\S+)/.exec(output)?.[1];
      const secret = /secret:\s+(\S+)/.exec(output)?.[1];
      // The banner's last line: every line before it (the sessions too) is in.
      if (url && secret && /Ctrl-C stops the demo/.test(output)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve({ child, url, secret, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

test('npx node-otc demo: the page shows the bot decrypted in the relayed and the routed session; Ctrl-C stops it', async (t) => {
  const demo = await startDemo(t);
  t.teardown(() => demo.child.kill('SIGKILL'));
  t.regex(demo.output(), /sessions:\s+relayed, routed/);
  for (const mode of ['relayed', 'routed']) {
    const page = await joinFromPageUrl(t, browser, `${demo.url}?mode=${mode}`, demo.secret);
    const seen = await waitForPage(page, `${mode}: the bot's pattern read in the page`,
      (s) => (s.code?.framesRead ?? 0) >= 60 && (mode === 'relayed' || (s.router?.frames ?? 0) > 0), 30_000);
    t.false(seen.mismatchShown);
    t.log(`${mode}: ${seen.code!.framesRead} frames read, ${seen.code!.fps} fps, latency p50 ${seen.code!.latencyP50Ms} ms` +
      `${seen.router ? `; Janus recorded ${seen.router.frames} frames: ${seen.router.decoder}` : ''}`);
    await saveScreenshot(page, `demo-${mode}.png`);
    await page.context().close();
  }
  const exited = new Promise<number | null>((resolve) => demo.child.once('exit', (code) => resolve(code)));
  demo.child.kill('SIGINT');
  t.is(await exited, 0, 'the demo stops cleanly on SIGINT');
});
