// `node-otc impair`: a bad link in user space (lib/netem) for media tests: a UDP relay in front of
// a TURN server (or any UDP service) that loses, delays, rate-limits and cuts packets.
import { type Impairment, checkImpairment } from '../netem/impairment';
import { type UdpEndpoint, UdpImpairmentRelay } from '../netem/udp-impairment-relay';
import { type Out, UsageError, numberArgument, parse, required } from './args';

export const IMPAIR_USAGE = `  node-otc impair --to HOST:PORT [--listen HOST:PORT] [--loss PCT] [--delay MS] [--jitter MS] [--rate KBITPS]
                  [--queue MS] [--reorder] [--outage-every S --outage-for S] [--seed N]
      relays UDP from --listen (default 127.0.0.1:3479) to --to (e.g. your TURN server's port) and
      back, impairing both directions alike: --loss 5 drops 5% of packets, --delay/--jitter add
      100 ± 50 ms, --rate caps at KBITPS with a drop-tail queue of --queue ms (default 400),
      --reorder lets jitter reorder packets, --outage-every/--outage-for cut the link periodically.
      Point a client's TURN URL at the --listen address (forced relay) to put the link in its path.
      Prints the counters every 5 s; Ctrl-C stops it.`;

function endpoint(text: string, flag: string): UdpEndpoint {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--${flag} must be HOST:PORT (IPv6 in brackets), not ${text}`);
  return { host: m[1] ?? m[2]!, port };
}

export async function impairCommand(args: string[], out: Out, usage: string): Promise<number> {
  const { values } = parse(args, {
    to: 'string', listen: 'string', loss: 'string', delay: 'string', jitter: 'string', rate: 'string', queue: 'string',
    reorder: 'boolean', 'outage-every': 'string', 'outage-for': 'string', seed: 'string',
  });
  if (values['help']) {
    out(usage);
    return 0;
  }
  const target = endpoint(required(values, 'to'), 'to');
  if (target.port === 0) throw new UsageError('--to needs a port from 1 to 65535');
  const listen = endpoint((values['listen'] as string | undefined) ?? '127.0.0.1:3479', 'listen');
  const loss = numberArgument(values, 'loss', 0, 100);
  const rateKbps = numberArgument(values, 'rate', 1, 100_000_000);
  const impairment: Impairment = {
    ...(loss !== undefined && { loss: loss / 100 }),
    ...(values['delay'] !== undefined && { delayMs: numberArgument(values, 'delay', 0, 60_000)! }),
    ...(values['jitter'] !== undefined && { jitterMs: numberArgument(values, 'jitter', 0, 60_000)! }),
    ...(rateKbps !== undefined && { rateBps: rateKbps * 1000 }),
    ...(values['queue'] !== undefined && { queueMs: numberArgument(values, 'queue', 0, 60_000)! }),
    preserveOrder: !values['reorder'],
  };
  checkImpairment(impairment);
  const every = numberArgument(values, 'outage-every', 1, 86_400);
  const length = numberArgument(values, 'outage-for', 0.001, 86_400);
  if ((every === undefined) !== (length === undefined)) throw new UsageError('--outage-every and --outage-for go together');
  if (every !== undefined && length !== undefined && length >= every) throw new UsageError('--outage-for must be shorter than --outage-every');
  const seed = numberArgument(values, 'seed', 0, 2 ** 32 - 1);

  const relay = await UdpImpairmentRelay.start({ listen, target, up: impairment, down: impairment, ...(seed !== undefined && { seed }) });
  const at = relay.address;
  out(`relaying udp ${at.host}:${at.port} <-> ${target.host}:${target.port} with ${JSON.stringify(impairment)} each way`);
  const timers: NodeJS.Timeout[] = [];
  if (every !== undefined && length !== undefined) {
    timers.push(setInterval(() => {
      out(`${new Date().toISOString()} link cut for ${length} s`);
      relay.cut(length * 1000);
    }, every * 1000));
  }
  timers.push(setInterval(() => {
    const c = relay.counters();
    out(`${new Date().toISOString()} flows ${c.flows}; up sent ${c.up.sent} lost ${c.up.droppedLoss} queue-dropped ${c.up.droppedQueue} ` +
      `cut ${c.up.droppedOutage}; down sent ${c.down.sent} lost ${c.down.droppedLoss} queue-dropped ${c.down.droppedQueue} cut ${c.down.droppedOutage}`);
  }, 5000));
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      for (const t of timers) clearInterval(t);
      void relay.close().then(() => resolve(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
