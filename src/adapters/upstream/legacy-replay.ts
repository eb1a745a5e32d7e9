// A second, buffered forward of a READ to the legacy, for shadow calibration (legacy vs legacy = noise, as
// Diffy's secondary). Same upstream headers as the real forward plus `X-Edge-Shadow: calibration`, so the
// legacy's logs can tell it apart. Only the shadow runner calls it, only for read requests, off the
// critical path; its body is bounded.
import http, { type Agent } from 'node:http';
import https from 'node:https';
import type { RequestContext } from '../../core/request-context.js';
import { EdgeError } from '../../errors.js';
import type { ForwardTarget } from './legacy-forwarder.js';
import { buildUpstreamRequestHeaders } from './upstream-headers.js';
import { classifyUpstreamError, upstreamEdgeError } from './upstream-errors.js';

export interface LegacyReplaySettings {
  readonly target: ForwardTarget;
  readonly agent: Agent;
  readonly timeoutMs: number;
  readonly preserveHost: boolean;
}

export interface ReplayAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

export function createLegacyReplay(
  settings: LegacyReplaySettings,
): (
  ctx: RequestContext,
  request: { readonly body: Buffer; readonly maxBodyBytes: number },
) => Promise<ReplayAnswer> {
  const { target } = settings;
  const transport = target.protocol === 'https:' ? https : http;
  return (ctx, request) =>
    new Promise<ReplayAnswer>((resolve, reject) => {
      const headers = buildUpstreamRequestHeaders(ctx.headers, {
        requestId: ctx.requestId,
        remoteAddress: ctx.remoteAddress,
        legacyHost: target.hostHeader,
        preserveHost: settings.preserveHost,
        proto: 'http',
      });
      // The body is buffered here: fixed framing instead of the client's.
      delete headers['transfer-encoding'];
      if (request.body.length > 0 || ctx.method !== 'GET')
        headers['content-length'] = String(request.body.length);
      else delete headers['content-length'];
      headers['x-edge-shadow'] = 'calibration';
      const upstream = transport.request(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: ctx.method,
          path: target.basePath + ctx.target,
          headers,
          agent: settings.agent,
          timeout: settings.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes > request.maxBodyBytes) {
              res.destroy(
                new EdgeError('EDGE_INTERNAL', `calibration answer exceeds ${request.maxBodyBytes} bytes`),
              );
              return;
            }
            chunks.push(chunk);
          });
          res.once('error', reject);
          res.once('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: res.headers['content-type'],
              body: Buffer.concat(chunks, bytes),
            }),
          );
        },
      );
      upstream.once('timeout', () =>
        upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
      );
      upstream.once('error', (err) => reject(upstreamEdgeError(classifyUpstreamError(err, false), err)));
      upstream.end(request.body.length > 0 ? request.body : undefined);
    });
}
