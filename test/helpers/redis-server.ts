// A private redis-server (Debian's) on a free 127.0.0.1 port, without persistence, for the tests
// of `serve --redis`: ready once it accepts connections, killed when the test (or file) ends.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RedisServer {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts redis-server; `host` is the address it binds (default 127.0.0.1). */
export async function startRedis(opts: { host?: string; port?: number; spawnIn?: (cmd: string, args: string[]) => ChildProcess } = {}): Promise<RedisServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otc-redis-'));
  const args = ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'notice'];
  const child = opts.spawnIn ? opts.spawnIn('redis-server', args) : spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (/Ready to accept connections/.test(out)) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not start: ${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `redis://${host}:${port}`, port, child, stop };
}
