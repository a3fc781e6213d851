// A private Janus the session server starts, configures and stops itself: its own config folder,
// API and admin API on UNIX sockets in a private temporary folder, random secrets.
import { type ChildProcess, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type JanusTurn, janusConfigFiles } from './janus-config';

export interface JanusProcessOptions {
  /** The janus executable (default `janus` on PATH). */
  binary?: string;
  /** Address or interface Janus gathers ICE candidates on (default 127.0.0.1, docs/platform-facts.md 2.1). */
  iceEnforce?: string;
  /** RTP port range (default 20000-40000). */
  rtpPortRange?: string;
  /** Janus log verbosity 0-7 (default 3: errors and warnings). */
  debugLevel?: number;
  /**
   * Janus's shared event loops (general.event_loops): N threads serve every handle's media instead
   * of a thread per handle, which cuts the thread hand-offs of rooms with many subscribers.
   * Default 0: a thread per handle, Janus's own default.
   */
  eventLoops?: number;
  /** Startup deadline, ms (default 10000). */
  startTimeoutMs?: number;
  /** Janus's own log lines. */
  log?: (line: string) => void;
  /**
   * The TURN server Janus relays through, asked at every (re)start so that its credential is a
   * fresh one (the session server computes it from its TURN secret).
   */
  turn?: () => JanusTurn | undefined;
  /**
   * A network namespace (`ip netns`) to run Janus in, apart from the server's: its API sockets are
   * files, which every namespace reaches; its media then uses that namespace's addresses (root).
   */
  netns?: string;
}

export interface JanusProcessEvents {
  /** Janus exited without being asked to (crash or kill): `code`/`signal` as Node reports them. */
  died: [description: string];
}

const LOG_TAIL_LINES = 40;

export class JanusProcess extends EventEmitter<JanusProcessEvents> {
  /** ws+unix URL of the API, for JanusConnection. */
  readonly url: string;
  readonly adminUrl: string;
  readonly apiSecret: string;
  readonly adminSecret: string;
  readonly dir: string;
  readonly #child: ChildProcess;
  readonly #logTail: string[];
  #exited = false;
  #stopping?: Promise<void>;

  private constructor(child: ChildProcess, dir: string, apiSocket: string, adminSocket: string, apiSecret: string, adminSecret: string,
    logTail: string[]) {
    super();
    this.#child = child;
    this.dir = dir;
    this.url = `ws+unix://${apiSocket}`;
    this.adminUrl = `ws+unix://${adminSocket}`;
    this.apiSecret = apiSecret;
    this.adminSecret = adminSecret;
    this.#logTail = logTail;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return !this.#exited;
  }

  /** The last lines Janus logged (for error messages). */
  get logTail(): string {
    return this.#logTail.join('\n');
  }

  static async start(opts: JanusProcessOptions = {}): Promise<JanusProcess> {
    if (opts.netns !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(opts.netns)) throw new TypeError(`not a network namespace name: ${opts.netns}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-otc-janus-'));
    fs.chmodSync(dir, 0o700);
    const apiSocket = path.join(dir, 'api.sock');
    const adminSocket = path.join(dir, 'admin.sock');
    const apiSecret = crypto.randomBytes(18).toString('base64url');
    const adminSecret = crypto.randomBytes(18).toString('base64url');
    const turn = opts.turn?.();
    const files = janusConfigFiles({
      configDir: dir, apiSocket, adminSocket, apiSecret, adminSecret,
      iceEnforce: opts.iceEnforce ?? '127.0.0.1',
      rtpPortRange: opts.rtpPortRange ?? '20000-40000',
      debugLevel: opts.debugLevel ?? 3,
      eventLoops: opts.eventLoops ?? 0,
      ...(turn && { turn }),
    });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });

    const binary = opts.binary ?? 'janus';
    const janusArgs = ['-F', dir, '-C', path.join(dir, 'janus.jcfg'), '-o'];
    // `ip netns exec` execs Janus in place: the child's pid is Janus's, stopped and killed as usual.
    const child = opts.netns !== undefined
      ? spawn('ip', ['netns', 'exec', opts.netns, binary, ...janusArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(binary, janusArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const logTail: string[] = [];
    const onLine = (line: string): void => {
      if (line.trim() === '') return;
      logTail.push(line);
      if (logTail.length > LOG_TAIL_LINES) logTail.shift();
      opts.log?.(line);
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      });
    }
    const janus = new JanusProcess(child, dir, apiSocket, adminSocket, apiSecret, adminSecret, logTail);
    // Never outlive this process (an exit without stop(): a crash, process.exit()).
    const killOnExit = (): void => {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    const exited = new Promise<string>((resolve) => {
      child.once('error', (err) => {
        janus.#exited = true;
        resolve(`cannot run ${binary}: ${err.message}`);
      });
      child.once('exit', (code, signal) => {
        janus.#exited = true;
        const description = signal ? `Janus was killed by ${signal}` : `Janus exited with code ${code}`;
        if (!janus.#stopping) janus.emit('died', description);
        resolve(description);
      });
    });
    const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
    for (;;) {
      const failure = await Promise.race([exited, sleep(50).then(() => undefined)]);
      if (failure !== undefined) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw new Error(`${failure}${logTail.length ? `; its last log lines:\n${janus.logTail}` : ''}`);
      }
      if (await canConnect(apiSocket)) return janus;
      if (Date.now() > deadline) {
        await janus.stop();
        throw new Error(`Janus did not open its API within ${opts.startTimeoutMs ?? 10_000} ms; its last log lines:\n${janus.logTail}`);
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

  /** Kills Janus without ceremony (tests of a router that dies mid-call). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.#exited) this.#child.kill(signal);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function canConnect(socketPath: string): Promise<boolean> {
  if (!fs.existsSync(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
