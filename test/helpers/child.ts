// Runs a short Node.js script in a child process with a deadline, for tests of process exit.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** dist/test/helpers/ -> dist/lib/index.js: what a child script requires. */
export const PACKAGE_ENTRY = path.resolve(__dirname, '..', '..', 'lib', 'index.js');

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

/** Runs `node [...flags] -e script`; kills the child (and only it) if it outlives timeoutMs. */
export function runNode(script: string, timeoutMs: number, flags: string[] = []): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [...flags, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Number(process.hrtime.bigint() - start) / 1e6, timedOut });
    });
  });
}

/** The preamble of a child script: loads the package as `otc`. */
export function childPrelude(): string {
  return `const otc = require(${JSON.stringify(PACKAGE_ENTRY)});\n`;
}
