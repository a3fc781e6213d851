// A TCP proxy on 127.0.0.1 in front of a server, for signaling reconnection tests: resetAll()
// drops every connection through it with a TCP reset (as a NAT losing them, or a cut cable
// noticed), new connections are forwarded again at once.
import * as net from 'node:net';
import type { ExecutionContext } from 'ava';

export interface TcpProxy {
  port: number;
  resetAll(): void;
}

/** Forwards 127.0.0.1:port to 127.0.0.1:upstreamPort until the test ends. */
export async function tcpProxy(t: ExecutionContext, upstreamPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    resetAll: () => {
      for (const s of sockets) s.resetAndDestroy();
    },
  };
}
