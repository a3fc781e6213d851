// The session server the native benchmarks (bench/call, bench/churn) talk to: `node-otc serve`
// as a child on a free loopback port, relayed sessions only (no router), and the CLI calls that
// make their sessions and tokens.
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Starts `node <cli> serve` with this API key and secret; resolves once it printed its URLs:
 * { child, url, signaling, output() }. Rejects (the child killed) when it does not within 20 s,
 * cannot start or exits first.
 */
export function startSessionServer(cli, { apiKey, apiSecret }) {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--no-router'], {
    env: { ...process.env, OTC_API_KEY: apiKey, OTC_API_SECRET: apiSecret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const found = {};
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the session server did not report its URLs within 20 s:\n${output}`));
    }, 20_000);
    const onLine = (line) => {
      output += `${line}\n`;
      if (line.startsWith('url: ')) found.url = line.slice(5);
      if (line.startsWith('signaling: ')) found.signaling = line.slice(11);
      if (found.url && found.signaling && !found.done) {
        found.done = true;
        clearTimeout(timer);
        resolve({ child, url: found.url, signaling: found.signaling, output: () => output });
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start the session server: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      if (!found.done) {
        clearTimeout(timer);
        reject(new Error(`the session server exited (${code ?? signal}) before it was ready:\n${output}`));
      }
    });
  });
}

/** SIGTERM, SIGKILL after 3 s; resolves once the child exited (at once when it already has). */
export async function stopSessionServer(server) {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** What `node <cli> ARGS...` prints, trimmed (create-session, token). */
export async function cliOutput(cli, args) {
  const { stdout } = await execFileAsync(process.execPath, [cli, ...args], { timeout: 20_000 });
  return stdout.trim();
}
