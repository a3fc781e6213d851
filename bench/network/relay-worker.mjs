// The bad link of bench/network on its own thread: a UdpImpairmentRelay in front of the TURN
// server, told what to do by messages { id, type: 'set' | 'cut' | 'counters' | 'address' }.
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

const { UdpImpairmentRelay } = await import(path.join(workerData.root, 'dist', 'lib', 'netem', 'udp-impairment-relay.js'));
const relay = await UdpImpairmentRelay.start({
  listen: { host: workerData.address, port: 0 },
  target: { host: workerData.address, port: workerData.targetPort },
  seed: workerData.seed,
});

parentPort.on('message', (m) => {
  switch (m.type) {
    case 'set':
      relay.up.set(m.impairment);
      relay.down.set(m.impairment);
      parentPort.postMessage({ id: m.id });
      break;
    case 'cut':
      relay.cut(m.ms);
      parentPort.postMessage({ id: m.id });
      break;
    case 'counters':
      parentPort.postMessage({ id: m.id, ...relay.counters() });
      break;
    case 'address':
      parentPort.postMessage({ id: m.id, ...relay.address });
      break;
    default:
      parentPort.postMessage({ id: m.id, error: `unknown request ${m.type}` });
  }
});
