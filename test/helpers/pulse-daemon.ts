// A real PulseAudio daemon for a test file: a child process with a private runtime directory
// and socket and the modules the test gives, found by this process's libpulse (and pactl)
// through PULSE_SERVER while it runs. Killed by stop() (and by the kernel with the test's
// process group otherwise it would outlive: --exit-idle-time is off, so stop() must run).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sleep } from './wait';

export interface PulseDaemon {
  /** PULSE_SERVER's value for this daemon. */
  readonly server: string;
  log(): string;
  stop(): Promise<void>;
}

/** `pactl ARGS` against the running daemon (PULSE_SERVER set by startPulseDaemon). */
export function pactl(...args: string[]): string {
  return execFileSync('pactl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
}

/** Starts pulseaudio with `modules` (its startup script after the native protocol) and waits (10 s) for it. */
export async function startPulseDaemon(modules: string): Promise<PulseDaemon> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'otc-pulse-ava-'));
  mkdirSync(path.join(dir, 'runtime'), { mode: 0o700 });
  mkdirSync(path.join(dir, 'home'));
  const socket = path.join(dir, 'native');
  writeFileSync(path.join(dir, 'daemon.pa'),
    `load-module module-native-protocol-unix auth-anonymous=1 socket=${socket}\n${modules}`);
  const child: ChildProcess = spawn('pulseaudio', ['-n', '--daemonize=no', '--exit-idle-time=-1', '--use-pid-file=no',
    '--disable-shm=yes', '--system=no', '-F', path.join(dir, 'daemon.pa'),
    `--log-target=file:${path.join(dir, 'daemon.log')}`], {
    stdio: 'ignore',
    env: { ...process.env, XDG_RUNTIME_DIR: path.join(dir, 'runtime'), HOME: path.join(dir, 'home') },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server = `unix:${socket}`;
  process.env.PULSE_SERVER = server;
  process.env.PULSE_COOKIE = path.join(dir, 'cookie');
  const log = (): string => { try { return readFileSync(path.join(dir, 'daemon.log'), 'utf8'); } catch { return ''; } };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    if (process.env.PULSE_SERVER === server) delete process.env.PULSE_SERVER;
    delete process.env.PULSE_COOKIE;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      pactl('info');
      return { server, log, stop };
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) {
        const text = log();
        await stop();
        throw new Error(`pulseaudio did not start:\n${text}`);
      }
      await sleep(100);
    }
  }
}
