// `node-otc serve` as a child process, for tests of the CLI server: started with its flags and
// environment, ready once it printed its credentials, killed when the test ends.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as path from 'node:path';
import type { ExecutionContext } from 'ava';

/** dist/test/helpers/ -> dist/lib/cli/index.js. */
export const CLI = path.resolve(__dirname, '..', '..', 'lib', 'cli', 'index.js');

export interface ServeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  signalingUrl: string;
  port: number;
  apiKey: string;
  apiSecret: string;
  /** Everything it wrote to stdout and stderr so far. */
  output: () => string;
  exited: Promise<ServeExit>;
}

/**
 * Runs `node-otc serve ...args` and resolves once it printed `api secret:`; rejects if it exits
 * first or prints nothing within readyMs. The child is SIGKILLed when the test ends, if alive.
 */
export function startServe(t: ExecutionContext, args: string[], env: Record<string, string> = {}, readyMs = 20_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { env: { ...process.env, ...env } });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  const exited = new Promise<ServeExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no secret within ${readyMs} ms: ${out}`)), readyMs);
    const check = (): void => {
      const field = (name: string): string | undefined => new RegExp(`^${name}: (\\S+)$`, 'm').exec(out)?.[1];
      const apiSecret = field('api secret');
      if (!apiSecret) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      const url = field('url')!;
      resolve({
        child, url, signalingUrl: field('signaling')!, port: Number(new URL(url).port), apiKey: field('api key')!, apiSecret,
        output: () => out, exited,
      });
    };
    child.stdout.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`serve exited early: ${out}`));
    });
  });
}
