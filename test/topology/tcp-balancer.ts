// A TCP load balancer for the cluster test, run in a namespace of the topology
// (`node tcp-balancer.js LISTEN_HOST:PORT BACKEND_HOST:PORT...`): each connection goes to the
// next backend in turn, and to the one after when that refuses (a killed process), as an
// operator's balancer with health checks would. One line per connection on stdout.
import * as net from 'node:net';

function hostPort(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

const [listen, ...backendTexts] = process.argv.slice(2);
if (!listen || backendTexts.length === 0) {
  process.stderr.write('usage: tcp-balancer LISTEN_HOST:PORT BACKEND_HOST:PORT...\n');
  process.exit(2);
}
const backends = backendTexts.map(hostPort);
let turn = 0;

function connect(client: net.Socket, tries: number): void {
  if (tries >= backends.length) {
    process.stdout.write('no backend answers\n');
    client.destroy();
    return;
  }
  const backend = backends[turn++ % backends.length]!;
  const upstream = net.connect(backend.port, backend.host);
  const refused = (): void => connect(client, tries + 1);
  upstream.once('error', refused);
  upstream.once('connect', () => {
    upstream.off('error', refused);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    process.stdout.write(`${client.remoteAddress ?? '?'}:${client.remotePort ?? '?'} -> ${backend.host}:${backend.port}\n`);
    client.pipe(upstream).pipe(client);
    client.resume();
  });
}

const server = net.createServer({ pauseOnConnect: true }, (client) => {
  client.on('error', () => undefined);
  connect(client, 0);
});
const { host, port } = hostPort(listen);
server.listen(port, host, () => process.stdout.write(`balancing ${listen} over ${backendTexts.join(' ')}\n`));
process.on('SIGTERM', () => process.exit(0));
