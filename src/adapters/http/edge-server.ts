// The client-facing HTTP listener: Node's strict parser (no insecureHTTPParser), protocol refusals before
// anything is forwarded, client keep-alive, and graceful drain. Hands each admitted request to `onRequest`.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { refuseOnSocket, writeRefusal } from './response-writer.js';

export interface RefusalInfo {
  readonly status: 400 | 408;
  readonly reason: string;
  readonly remoteAddress: string;
  readonly requestId: string;
  readonly method?: string;
}

export interface EdgeServerOptions {
  readonly host: string | undefined;
  readonly port: number;
  readonly keepAliveMs: number;
  readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  readonly onRefused: (info: RefusalInfo) => void;
  readonly generateId: () => string;
}

export interface EdgeServer {
  listen(): Promise<number>;
  /** Stop accepting, let in-flight requests finish for up to graceMs, then close whatever is left. */
  drain(graceMs: number): Promise<void>;
  readonly draining: boolean;
}

/**
 * Framing the edge refuses although Node's parser let the request through: a Transfer-Encoding other than
 * exactly `chunked` (RFC 9112 §6.1 — Node emits the request before failing on its body).
 */
export function framingProblem(req: IncomingMessage): string | undefined {
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && te.trim().toLowerCase() !== 'chunked') return 'transfer-encoding-not-chunked';
  return undefined;
}

interface SocketWithMessage extends Socket {
  _httpMessage?: unknown;
}

export function createEdgeServer(options: EdgeServerOptions): EdgeServer {
  let draining = false;
  const server = http.createServer({
    insecureHTTPParser: false,
    requireHostHeader: true,
    joinDuplicateHeaders: false,
    maxHeaderSize: 16 * 1024,
  });
  server.keepAliveTimeout = options.keepAliveMs;
  // Slowloris guard for the header block; the whole request (e.g. a 50 MB upload) may take longer.
  server.headersTimeout = 60_000;
  server.requestTimeout = 300_000;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (draining) res.setHeader('Connection', 'close');
    const problem = framingProblem(req);
    if (problem) {
      const requestId = options.generateId();
      options.onRefused({
        status: 400,
        reason: problem,
        remoteAddress: req.socket.remoteAddress ?? 'unknown',
        requestId,
        method: req.method,
      });
      writeRefusal(res, requestId);
      return;
    }
    options.onRequest(req, res);
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: SocketWithMessage) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    // A response is already in progress on this connection (a refused request whose body then failed to
    // parse, or a broken pipelined request behind a pending one): raw bytes would corrupt it, so just close
    // once it is flushed. Not counted again: the request it belongs to is observed on its own.
    if (socket._httpMessage) {
      socket.destroySoon();
      return;
    }
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const requestId = options.generateId();
    options.onRefused({
      status,
      reason: err.code ?? 'parse-error',
      remoteAddress: socket.remoteAddress ?? 'unknown',
      requestId,
    });
    refuseOnSocket(socket, status, requestId);
  });

  return {
    get draining() {
      return draining;
    },
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: options.port, host: options.host }, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : options.port);
        });
      });
    },
    async drain(graceMs) {
      if (draining && !server.listening) return;
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections with no request in flight are closed now and whenever a response finishes.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const result = await Promise.race([closed.then(() => 'closed' as const), deadline]);
      clearInterval(sweep);
      clearTimeout(timer);
      if (result === 'timeout') {
        server.closeAllConnections();
        await closed;
      }
    },
  };
}
