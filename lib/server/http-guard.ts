// Bounds on the HTTP side of the session server: how long a stranger may take to send a request,
// how long an idle socket is kept, and how many sockets an address may hold before it is a
// connected signaling client (Admission).
import type * as http from 'node:http';
import type { Admission } from './admission';
import type { ServerLimits } from './limits';

export interface HttpGuardStats {
  /** Sockets refused at accept time (per-address or total unauthenticated limit). */
  refusedSockets: number;
}

/** Applies the limits to `server` (before it listens). Refused sockets are dropped at once: no parsing, no answer. */
export function guardHttpServer(server: http.Server, limits: ServerLimits, admission: Admission): HttpGuardStats {
  const stats: HttpGuardStats = { refusedSockets: 0 };
  server.headersTimeout = limits.httpHeadersTimeoutMs;
  server.requestTimeout = limits.httpHeadersTimeoutMs * 2;
  server.keepAliveTimeout = Math.min(5000, limits.httpIdleTimeoutMs);
  // An idle socket (no bytes either way) is closed; WebSockets clear this timeout once upgraded.
  server.timeout = limits.httpIdleTimeoutMs;
  // node checks headersTimeout/requestTimeout on this period (default 30 s: a slow stranger would
  // keep its socket that long past the timeout); read by node when the server starts listening.
  (server as http.Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.max(250, Math.min(1000, limits.httpHeadersTimeoutMs / 4));
  server.on('connection', (socket) => {
    if (admission.admitSocket(socket) === undefined) return;
    stats.refusedSockets += 1;
    socket.destroy();
  });
  // A malformed request line or header: node answers 400 itself when it can; never an exception.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
  });
  return stats;
}
