// The NAT traversal topology for tests (scripts/netns-topology.sh): named namespaces built at the
// start of a test file, torn down after it even when it fails, with a sweep of stale ones of our
// prefix first; processes started inside with `ip netns exec` and stopped by pid.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { CallClientReport } from './call-client';

const run = promisify(execFile);
/** dist/test/topology -> the repository. */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'netns-topology.sh');
export const CLI = path.join(ROOT, 'dist', 'lib', 'cli', 'index.js');
export const CALL_CLIENT = path.join(__dirname, 'call-client.js');

/**
 * nftables' `nft`, by its path: under `npm test` PATH starts with node_modules/.bin, whose `nft`
 * is Node File Trace (a dependency of ava), not nftables.
 */
const NFT = ['/usr/sbin/nft', '/sbin/nft', '/usr/local/sbin/nft'].find((file) => fs.existsSync(file)) ?? '/usr/sbin/nft';

/** Addresses of scripts/netns-topology.sh. */
export const ADDR = { pub: '198.18.0.1', janus: '198.18.3.2', clientA: '198.19.1.2', clientB: '198.19.2.2' } as const;

export type NsName = 'pub' | 'ra' | 'ca' | 'rb' | 'cb' | 'jan' | 'void';

export function requireTopology(): void {
  if (process.env['OTC_TOPOLOGY'] !== '1') {
    throw new Error('topology tests run with OTC_TOPOLOGY=1 as root, outside netns-run.sh (they build their own namespaces): see scripts/test.sh');
  }
}

/** A process started in a namespace, its output collected. */
export interface NsProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (null: a signal). */
  exited: Promise<number | null>;
}

export class Topology {
  readonly prefix: string;
  readonly #processes = new Set<ChildProcess>();

  private constructor(prefix: string) {
    this.prefix = prefix;
  }

  static async up(): Promise<Topology> {
    requireTopology();
    await run('bash', [SCRIPT, 'sweep']);
    // The pid in the prefix keeps a concurrent run's sweep off this topology (netns-topology.sh).
    const topology = new Topology(`otc-t-p${process.pid}x${crypto.randomBytes(2).toString('hex')}`);
    await run('bash', [SCRIPT, 'up', topology.prefix]);
    return topology;
  }

  ns(name: NsName): string {
    return `${this.prefix}-${name}`;
  }

  /** Starts `command` in a namespace (`ip netns exec` execs it: the pid is the command's). */
  spawn(name: NsName, command: string, args: string[], env: Record<string, string> = {}): NsProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(name), command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
    });
    this.#processes.add(child);
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
    const exited = new Promise<number | null>((resolve) => {
      child.once('error', () => resolve(-1));
      child.once('exit', (code) => {
        this.#processes.delete(child);
        resolve(code);
      });
    });
    return { child, output: () => output, exited };
  }

  /** Runs a node script in a namespace to its end (bounded); resolves with its output. */
  async node(name: NsName, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
    const proc = this.spawn(name, process.execPath, args);
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
    const code = await proc.exited;
    clearTimeout(timer);
    return { code, output: proc.output() };
  }

  /**
   * Cuts every packet a client's NAT router forwards (or only its UDP), both ways (an nftables
   * forward chain that drops, before the NAT's own), as a dead uplink does; `restoreLink` removes it.
   */
  async cutLink(router: 'ra' | 'rb', only?: 'udp'): Promise<void> {
    const nft = ['netns', 'exec', this.ns(router), NFT];
    await run('ip', [...nft, 'add', 'table', 'inet', 'otc_cut']);
    await run('ip', [...nft, 'add', 'chain', 'inet', 'otc_cut', 'forward', '{', 'type', 'filter', 'hook', 'forward', 'priority', '-10', ';',
      'policy', only ? 'accept' : 'drop', ';', '}']);
    // UDP only: the media dies, the signaling (TCP) stays up.
    if (only) await run('ip', [...nft, 'add', 'rule', 'inet', 'otc_cut', 'forward', 'meta', 'l4proto', only, 'drop']);
  }

  async restoreLink(router: 'ra' | 'rb'): Promise<void> {
    await run('ip', ['netns', 'exec', this.ns(router), NFT, 'delete', 'table', 'inet', 'otc_cut']);
  }

  /** Creates a session through the REST API from client A's namespace (through its NAT); resolves with its id. */
  async createSession(url: string, apiKey: string, apiSecret: string, mode: 'relayed' | 'routed'): Promise<string> {
    const { code, output } = await this.node('ca', [CLI, 'create-session', '--url', url, '--api-key', apiKey, '--api-secret', apiSecret, '--e2ee', `--${mode}`], 20_000);
    if (code !== 0) throw new Error(`create-session failed (${code}): ${output}`);
    return output.trim().split('\n').pop()!;
  }

  /** Stops every process it started (SIGTERM, then SIGKILL), then deletes the namespaces. */
  async down(): Promise<void> {
    const waits = [...this.#processes].map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    }));
    await Promise.all(waits);
    await run('bash', [SCRIPT, 'down', this.prefix]);
  }
}

/** Waits until `proc`'s output matches `pattern` (or fails with its output). */
export async function waitForOutput(proc: NsProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(proc.output());
    if (match) return match;
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${pattern} within ${timeoutMs} ms (exit ${proc.child.exitCode}); output:\n${proc.output().slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A call client's report from its output (its log and error lines go to `log`), or why there is none. */
export function callClientReport(name: string, code: number | null, output: string, log: (line: string) => void): CallClientReport {
  for (const line of output.split('\n')) if (line.includes('"event":"log"') || line.includes('"event":"error"')) log(line);
  const reportLine = output.split('\n').find((line) => line.startsWith('{"event":"report"'));
  if (code !== 0 || !reportLine) throw new Error(`${name} exited ${code} without a report:\n${output.slice(-4000)}`);
  return (JSON.parse(reportLine) as { report: CallClientReport }).report;
}
