// A real HTTP server standing in for the legacy in proxy tests: records every request exactly as it arrived
// (raw target, raw headers, body bytes) and answers through a handler the test sets. Port 0 only.
import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** The request-target exactly as received. */
  readonly url: string;
  readonly httpVersion: string;
  readonly rawHeaders: readonly string[];
  readonly headers: http.IncomingHttpHeaders;
  /** Body bytes kept up to `keepBodyBytes`; `bodyBytes`/`bodySha256` always cover the whole body. */
  readonly body: Buffer;
  readonly bodyBytes: number;
  readonly bodySha256: string;
}

/** Answers a request; called once the request body has been read completely (unless `streaming`). */
export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest) => void;

export interface UpstreamServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Requests whose head arrived (also those whose body is still streaming). */
  readonly requestsStarted: number;
  setHandler(handler: UpstreamHandler): void;
  /** Resolves once `n` request heads have arrived. */
  waitForRequests(n: number): Promise<void>;
  close(): Promise<void>;
}

export interface UpstreamServerOptions {
  readonly handler?: UpstreamHandler;
  readonly keepBodyBytes?: number;
}

/** Default answer: 200 JSON describing what arrived. */
export const echoHandler: UpstreamHandler = (_req, res, recorded) => {
  const body = JSON.stringify({
    method: recorded.method,
    url: recorded.url,
    rawHeaders: recorded.rawHeaders,
    bodyBytes: recorded.bodyBytes,
    bodySha256: recorded.bodySha256,
  });
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
};

export async function startUpstreamServer(options: UpstreamServerOptions = {}): Promise<UpstreamServer> {
  let handler = options.handler ?? echoHandler;
  const keep = options.keepBodyBytes ?? 1024 * 1024;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let started = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];

  const server = http.createServer((req, res) => {
    started += 1;
    for (const waiter of [...waiters]) {
      if (started >= waiter.n) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bodyBytes += chunk.length;
      if (keptBytes < keep) {
        kept.push(chunk.subarray(0, keep - keptBytes));
        keptBytes += Math.min(chunk.length, keep - keptBytes);
      }
    });
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        httpVersion: req.httpVersion,
        rawHeaders: [...req.rawHeaders],
        headers: { ...req.headers },
        body: Buffer.concat(kept),
        bodyBytes,
        bodySha256: hash.digest('hex'),
      };
      requests.push(recorded);
      handler(req, res, recorded);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    get connections() {
      return connections;
    },
    get requestsStarted() {
      return started;
    },
    setHandler(next) {
      handler = next;
    },
    waitForRequests(n) {
      if (started >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
