// Runs `node-otc loadtest` as a child process for the load-test tests (test/loadtest.test.ts,
// test/routed/loadtest.test.ts): its exit status, output and JSON report.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExecutionContext } from 'ava';
import type { LoadTestReport } from '../../lib/loadtest/tally';

const CLI = path.join(__dirname, '../../lib/cli/index.js');

export interface LoadtestRun {
  child: ChildProcess;
  /** Resolves when the output matches (rejects after timeoutMs with the output so far). */
  printed(pattern: RegExp, timeoutMs: number): Promise<void>;
  exited: Promise<{ code: number | null; output: string; report?: LoadTestReport }>;
}

/** Starts the command with `args` and a --json file of its own; killed after `limitMs`. */
export function startLoadtest(t: ExecutionContext, args: string[], limitMs = 60_000): LoadtestRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-loadtest-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const json = path.join(dir, 'report.json');
  const child = spawn(process.execPath, [CLI, 'loadtest', ...args, '--json', json], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let output = '';
  const watchers = new Set<() => void>();
  const onData = (chunk: string): void => {
    output += chunk;
    for (const check of watchers) check();
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const exited = new Promise<{ code: number | null; output: string; report?: LoadTestReport }>((resolve) => child.once('exit', (code) => {
    clearTimeout(timer);
    const report = fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, 'utf8')) as LoadTestReport : undefined;
    resolve({ code, output, ...(report && { report }) });
  }));
  const printed = (pattern: RegExp, timeoutMs: number): Promise<void> => new Promise((resolve, reject) => {
    const check = (): void => {
      if (!pattern.test(output)) return;
      watchers.delete(check);
      clearTimeout(giveUp);
      resolve();
    };
    const giveUp = setTimeout(() => {
      watchers.delete(check);
      reject(new Error(`loadtest did not print ${String(pattern)} within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    watchers.add(check);
    check();
  });
  return { child, printed, exited };
}

/** The worker processes of a running load test (its children), by pid. */
export function workerPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, the fields after its ')' do not.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
