// A private coturn the session server starts, configures and stops itself (as JanusProcess does
// for Janus): its own config in a private temporary folder, a shared secret of its own, stopped
// with the server and never outliving this process.
import { type ChildProcess, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { turnConfigFile } from './turn-config';

export interface TurnProcessOptions {
  /** Address coturn listens on and relays from (an address clients can reach; never a wildcard). */
  ip: string;
  /** Address relayed traffic leaves from, when not `ip`. */
  relayIp?: string;
  /** UDP and TCP listening port (default 3478). */
  port?: number;
  /** Relay ports "min-max" (default 49152-65535). */
  relayPorts?: string;
  /** The shared secret (default: 32 random bytes, base64url). Keep it across restarts: credentials handed out use it. */
  secret?: string;
  /** Realm (default "node-otc"). */
  realm?: string;
  /** Peer addresses coturn must not relay to (denied-peer-ip). */
  deniedPeers?: string[];
  /** The turnserver executable (default `turnserver` on PATH). */
  binary?: string;
  /** Startup deadline, ms (default 10000). */
  startTimeoutMs?: number;
  /** coturn's log lines. */
  log?: (line: string) => void;
}

export interface TurnProcessEvents {
  /** coturn exited without being asked to. */
  died: [description: string];
}

const LOG_TAIL_LINES = 40;

export class TurnProcess extends EventEmitter<TurnProcessEvents> {
  readonly ip: string;
  readonly port: number;
  readonly secret: string;
  readonly dir: string;
  readonly #child: ChildProcess;
  readonly #logTail: string[];
  #exited = false;
  #stopping?: Promise<void>;

  private constructor(child: ChildProcess, dir: string, ip: string, port: number, secret: string, logTail: string[]) {
    super();
    this.#child = child;
    this.dir = dir;
    this.ip = ip;
    this.port = port;
    this.secret = secret;
    this.#logTail = logTail;
  }

  /** The URLs clients use: STUN, TURN over UDP and over TCP. */
  get urls(): { stun: string[]; turn: string[] } {
    const host = this.ip.includes(':') ? `[${this.ip}]` : this.ip;
    return {
      stun: [`stun:${host}:${this.port}`],
      turn: [`turn:${host}:${this.port}?transport=udp`, `turn:${host}:${this.port}?transport=tcp`],
    };
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return !this.#exited;
  }

  get logTail(): string {
    return this.#logTail.join('\n');
  }

  static async start(opts: TurnProcessOptions): Promise<TurnProcess> {
    if (!opts || typeof opts.ip !== 'string' || net.isIP(opts.ip) === 0) throw new TypeError('the private TURN server needs an IP address to listen on (ip)');
    if (opts.ip === '0.0.0.0' || opts.ip === '::') throw new TypeError('the private TURN server needs one address, not a wildcard');
    const port = opts.port ?? 3478;
    const [minPort, maxPort] = (opts.relayPorts ?? '49152-65535').split('-').map(Number);
    const secret = opts.secret ?? crypto.randomBytes(32).toString('base64url');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-otc-turn-'));
    fs.chmodSync(dir, 0o700);
    let config: string;
    try {
      config = turnConfigFile({
        dir, listeningIp: opts.ip, relayIp: opts.relayIp ?? opts.ip, port, minPort: minPort ?? NaN, maxPort: maxPort ?? NaN,
        realm: opts.realm ?? 'node-otc', secret, ...(opts.deniedPeers && { deniedPeers: opts.deniedPeers }),
      });
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    const configFile = path.join(dir, 'turnserver.conf');
    fs.writeFileSync(configFile, config, { mode: 0o600 });

    const binary = opts.binary ?? 'turnserver';
    // -c: only this file (coturn would otherwise also look for /etc/turnserver.conf).
    const child = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const logTail: string[] = [];
    const onLine = (text: string): void => {
      if (text.trim() === '') return;
      logTail.push(text);
      if (logTail.length > LOG_TAIL_LINES) logTail.shift();
      opts.log?.(text);
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const l of lines) onLine(l);
      });
    }
    const turn = new TurnProcess(child, dir, opts.ip, port, secret, logTail);
    const killOnExit = (): void => {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    const exited = new Promise<string>((resolve) => {
      child.once('error', (err) => {
        turn.#exited = true;
        resolve(`cannot run ${binary}: ${err.message}`);
      });
      child.once('exit', (code, signal) => {
        turn.#exited = true;
        const description = signal ? `the TURN server was killed by ${signal}` : `the TURN server exited with code ${code}`;
        if (!turn.#stopping) turn.emit('died', description);
        resolve(description);
      });
    });
    const timeoutMs = opts.startTimeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const failure = await Promise.race([exited, sleep(50).then(() => undefined)]);
      if (failure !== undefined) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw new Error(`${failure}${logTail.length ? `; its last log lines:\n${turn.logTail}` : ''}`);
      }
      // Its TCP listener opens with the UDP one: ready once it accepts.
      if (await canConnect(opts.ip, port)) return turn;
      if (Date.now() > deadline) {
        await turn.stop();
        throw new Error(`the TURN server did not listen on ${opts.ip}:${port} within ${timeoutMs} ms; its last log lines:\n${turn.logTail}`);
      }
    }
  }

  /** SIGTERM, then SIGKILL after 3 s; removes the private folder. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (!this.#exited) {
        const gone = new Promise<void>((resolve) => {
          if (this.#exited) resolve();
          else this.#child.once('exit', () => resolve());
        });
        this.#child.kill('SIGTERM');
        const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3000);
        await gone;
        clearTimeout(timer);
      }
      fs.rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.#stopping;
  }

  /** Kills coturn without ceremony (tests of a TURN server that dies). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.#exited) this.#child.kill(signal);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 500);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
