// The writer's rendered-body path over a real socket: one chunk, chunked framing without Content-Length
// (as the legacy), the pooled buffer returned only after the response was handed to the kernel.
import { EventEmitter } from 'node:events';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createBodyBufferPool, type BodyBufferPool } from '../../../src/adapters/http/body-buffer-pool.js';
import { createResponseWriter } from '../../../src/adapters/http/response-writer.js';
import type { RenderedBody, RespondOutcome, WriteResult } from '../../../src/core/outcome.js';
import { createRequestContext } from '../../../src/core/request-context.js';
import { silentLog as log } from '../../fakes/request-fixtures.js';

const ctx = createRequestContext({
  requestId: 'rq-1',
  startedAtMs: 0,
  receivedAt: 0,
  method: 'GET',
  rawUrl: '/v2/rezept',
  headers: {},
  remoteAddress: '127.0.0.1',
  log,
});

function rendered(text: string, slack = 16): RenderedBody {
  return {
    kind: 'rendered',
    maxBytes: text.length + slack,
    renderInto: (target) => target.write(text, 0, 'latin1'),
  };
}

/** A cache hit's outcome with the given body. */
function hitOutcome(
  body: RenderedBody,
  headers: RespondOutcome['headers'] = { 'Content-Type': 'application/json; charset=utf-8' },
): RespondOutcome {
  return { kind: 'respond', status: 200, headers, body, edge: 'cache-hit' };
}

let server: http.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(pool: BodyBufferPool, body: RenderedBody, results: WriteResult[]): Promise<string> {
  const writer = createResponseWriter(pool);
  server = http.createServer((_req, res) => {
    void writer.write(ctx, res, hitOutcome(body)).then((r) => results.push(r));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('response writer: rendered bodies', () => {
  it('sends the rendered bytes chunked, without Content-Length, and returns the buffer to the pool', async () => {
    const pool = createBodyBufferPool({ minClassBytes: 1024 });
    const results: WriteResult[] = [];
    const text = `{"a":"${'x'.repeat(3000)}"}`;
    const url = await serve(pool, rendered(text), results);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    expect(response.headers.get('content-length')).toBeNull();
    expect(response.headers.get('x-edge')).toBe('cache-hit');
    expect(await response.text()).toBe(text);
    await expect.poll(() => results.length).toBe(1);
    expect(results[0]).toEqual({ status: 200, complete: true });
    expect(pool.retainedBytes()).toBe(4096);
  });

  it('a body that cannot be rendered becomes the edge 500 JSON error, never a torn answer', async () => {
    const pool = createBodyBufferPool({ minClassBytes: 1024 });
    const results: WriteResult[] = [];
    const broken: RenderedBody = {
      kind: 'rendered',
      maxBytes: 10,
      renderInto: () => {
        throw new RangeError('too long');
      },
    };
    const response = await fetch(await serve(pool, broken, results));
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: { code: string }; traceId: string };
    expect(body.error.code).toBe('EDGE_INTERNAL');
    expect(body.traceId).toBe('rq-1');
    expect(pool.retainedBytes()).toBe(1024); // released: nothing was written from it
  });

  /** A ServerResponse stand-in that holds the end() callback until the test says the write completed. */
  function heldResponse() {
    const res = new EventEmitter() as EventEmitter & Record<string, unknown>;
    let endCallback: (() => void) | undefined;
    Object.assign(res, {
      headersSent: false,
      destroyed: false,
      writableFinished: false,
      writeHead: () => res,
      end: (_chunk: Buffer, cb: () => void) => {
        endCallback = cb;
      },
    });
    return { res: res as unknown as ServerResponse, complete: () => endCallback?.() };
  }

  it('returns the buffer only once the write completed, never while it may still be referenced', async () => {
    const pool = createBodyBufferPool({ minClassBytes: 1024 });
    const held = heldResponse();
    const result = createResponseWriter(pool).write(ctx, held.res, hitOutcome(rendered('{}'), {}));
    expect(pool.retainedBytes()).toBe(0);
    held.complete();
    await expect(result).resolves.toEqual({ status: 200, complete: true });
    expect(pool.retainedBytes()).toBe(1024);
  });

  it('a response torn down before its write completed is incomplete and its buffer is dropped', async () => {
    const pool = createBodyBufferPool({ minClassBytes: 1024 });
    const held = heldResponse();
    const result = createResponseWriter(pool).write(ctx, held.res, hitOutcome(rendered('{}'), {}));
    (held.res as unknown as EventEmitter).emit('close');
    await expect(result).resolves.toEqual({ status: 200, complete: false });
    held.complete(); // a late callback changes nothing
    expect(pool.retainedBytes()).toBe(0);
  });
});
