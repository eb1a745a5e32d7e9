// The single place that writes to the Node response: Kestrel-like framing (MVC results streamed
// without Content-Length, status-only answers with Content-Length: 0, 204 with neither), content
// negotiation of results, and the Development exception page. Nothing else touches `res`.
import type { ServerResponse } from 'node:http';
import { stjSerialize, stjString } from '../core/stj-json.js';
import { negotiate, type ResultKind } from './content-negotiation.js';
import { renderDeveloperExceptionPage } from './developer-exception-page.js';
import type { Outcome } from './outcome.js';

export interface WriteContext {
  readonly accept: string | undefined;
  readonly acceptCharset: string | undefined;
  readonly rawHeaders: readonly string[];
  readonly isDevelopment: boolean;
}

function setHeaders(res: ServerResponse, headers: Readonly<Record<string, string>> | undefined): void {
  for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
}

/** Streamed body: Node sends chunked framing when data is written before end() without a length. */
function writeStreamed(res: ServerResponse, status: number, contentType: string, body: Buffer): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  if (body.length > 0) res.write(body);
  res.end();
}

function writeEmpty(res: ServerResponse, status: number): void {
  res.statusCode = status;
  res.setHeader('Content-Length', '0');
  res.end();
}

function writeNegotiated(
  res: ServerResponse,
  kind: ResultKind,
  status: number,
  json: string,
  raw: string | null,
  ctx: WriteContext,
): void {
  const n = negotiate(kind, ctx.accept, ctx.acceptCharset);
  const text = n.json || raw === null ? json : raw;
  const body = Buffer.from(text, n.charset === 'utf-16' ? 'utf16le' : 'utf8');
  writeStreamed(res, status, `${n.mediaType}; charset=${n.charset}`, body);
}

export function writeOutcome(res: ServerResponse, outcome: Outcome, ctx: WriteContext): void {
  res.setHeader('Server', 'Kestrel');
  switch (outcome.kind) {
    case 'empty':
      setHeaders(res, outcome.headers);
      writeEmpty(res, outcome.status);
      return;
    case 'noContent':
      res.statusCode = 204;
      res.end();
      return;
    case 'object':
      setHeaders(res, outcome.headers);
      writeNegotiated(res, 'object', outcome.status, stjSerialize(outcome.body), null, ctx);
      return;
    case 'string':
      writeNegotiated(res, 'string', outcome.status, stjString(outcome.text), outcome.text, ctx);
      return;
    case 'problem':
      writeNegotiated(res, 'problem', outcome.status, stjSerialize(outcome.body), null, ctx);
      return;
    case 'raw':
      setHeaders(res, outcome.headers);
      if (outcome.contentType === null) writeEmpty(res, outcome.status);
      else writeStreamed(res, outcome.status, outcome.contentType, Buffer.from(outcome.body, 'utf8'));
      return;
    case 'unhandled':
      if (!ctx.isDevelopment) {
        // Kestrel ends a response whose request threw with an empty 500.
        writeEmpty(res, 500);
        return;
      }
      {
        const page = renderDeveloperExceptionPage(outcome.error, ctx.accept, ctx.rawHeaders);
        writeStreamed(res, 500, page.contentType, Buffer.from(page.body, 'utf8'));
      }
      return;
  }
}
