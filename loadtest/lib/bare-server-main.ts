// Child-process entry of the "bare" ceiling: a plain node:http server that answers each benchmark
// request with fixed bytes captured from the proxy's cache hit (or the emulator) — what a Node process
// on this machine can do at best with the same payloads. No routing beyond an exact method+URL lookup.
//   node --import tsx loadtest/lib/bare-server-main.ts <manifest.json>   (prints {"port":N} when ready)
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BareManifestEntry {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly contentType: string;
  readonly bodyFile: string;
}

const manifest = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as {
  port: number;
  entries: BareManifestEntry[];
};
const answers = new Map(
  manifest.entries.map((e) => [
    `${e.method} ${e.url}`,
    { status: e.status, contentType: e.contentType, body: readFileSync(e.bodyFile) },
  ]),
);

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/__bare/health') {
      res.writeHead(200, { 'Content-Length': 2 });
      res.end('ok');
      return;
    }
    const answer = answers.get(`${req.method} ${req.url}`);
    if (!answer) {
      res.writeHead(404, { 'Content-Length': 0 });
      res.end();
      return;
    }
    res.writeHead(answer.status, {
      'Content-Type': answer.contentType,
      'Content-Length': answer.body.length,
      'X-Edge': 'bare',
    });
    res.end(answer.body);
  });
});
server.keepAliveTimeout = 120_000;
server.listen(manifest.port, '127.0.0.1', () =>
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })),
);
process.once('SIGTERM', () => server.close(() => process.exit(0)));
