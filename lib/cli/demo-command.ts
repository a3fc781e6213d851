// `node-otc demo`: the session server, a bot per session and the demo page (lib/demo).
import * as os from 'node:os';
import { secretBytes } from '../web/e2ee/secret';
import { type Out, UsageError, numberArgument, parse } from './args';

export const DEMO_USAGE = `  node-otc demo [--host 127.0.0.1] [--port 8090] [--secret S] [--no-routed] [--janus-ice ADDRESS] [--ratchet-every S]
      starts a session server with an end-to-end encrypted relayed session (and a routed one
      through a private Janus where Janus is installed), a node-otc bot publishing the test pattern
      in each, and a page at the printed URL: enter the printed secret to see the bot's video
      decrypted in the browser and send your own stream to the bot; a wrong secret shows
      "encryption secret mismatch"; the routed session also shows what Janus recorded (ciphertext).
      --janus-ice: where Janus gathers ICE (default: this host's first LAN address, as Janus does not
      use loopback interfaces; 127.0.0.1 inside the test namespace of scripts/netns-run.sh);
      --ratchet-every: the bots re-key every S seconds (the page follows without a reload)`;

/** Janus's ICE address when none is given: loopback only inside the test namespace. */
function defaultJanusIce(): string {
  if (process.env['OTC_NETNS'] === '1') return '127.0.0.1';
  for (const addresses of Object.values(os.networkInterfaces())) {
    const lan = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (lan) return lan.address;
  }
  return '127.0.0.1';
}

export async function demoCommand(args: string[], out: Out, usage: string): Promise<number> {
  const { values } = parse(args, {
    host: 'string', port: 'string', secret: 'string', 'no-routed': 'boolean', 'janus-ice': 'string', 'ratchet-every': 'string',
  });
  if (values['help']) {
    out(usage);
    return 0;
  }
  const host = (values['host'] as string | undefined) ?? '127.0.0.1';
  const port = numberArgument(values, 'port', 0, 65535) ?? 8090;
  const secret = values['secret'] as string | undefined;
  if (secret !== undefined && !secretBytes(secret)) throw new UsageError('--secret must be 8 to 256 characters of valid Unicode without NUL');
  const ratchetEveryS = numberArgument(values, 'ratchet-every', 1, 3600);
  const log = (line: string): void => out(`${new Date().toISOString()} ${line}`);
  const { startDemo } = await import('../demo/demo-server.js');
  const demo = await startDemo({
    host, port, routed: values['no-routed'] ? 'off' : 'auto', log,
    ...(secret !== undefined ? { secret } : {}),
    janusIce: (values['janus-ice'] as string | undefined) ?? defaultJanusIce(),
    ...(ratchetEveryS !== undefined ? { ratchetEveryS } : {}),
  });
  out('');
  out(`  demo page:  ${demo.url}`);
  out(`  secret:     ${demo.secret}`);
  out(`  sessions:   ${demo.sessions.map((s) => s.mode).join(', ')}${demo.routedUnavailable ? ` (no routed session: ${demo.routedUnavailable})` : ''}`);
  out('  Open the page, enter the secret, press Join. Ctrl-C stops the demo.');
  out('');
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      out('stopping the demo');
      const timer = setTimeout(() => resolve(0), 8000);
      demo.close().then(() => {
        clearTimeout(timer);
        resolve(0);
      }, () => resolve(1));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
