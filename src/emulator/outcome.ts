// What a pipeline stage or controller decides, before anything is written. The response writer is the
// only place that turns an Outcome into bytes (content negotiation, framing, headers).
import type { StjValue } from '../core/stj-json.js';

/** A .NET exception as the developer exception page would print it. */
export interface LegacyException {
  /** e.g. System.NotImplementedException */
  readonly type: string;
  readonly message: string;
  /** Stack trace lines as Exception.ToString() prints them ("   at …", "--- End of stack trace …"). */
  readonly stackTrace: readonly string[];
}

export type Outcome =
  /** Status-only answer with Content-Length: 0 (401, 404, 405, versioning 400, …). */
  | { readonly kind: 'empty'; readonly status: number; readonly headers?: Readonly<Record<string, string>> }
  /** 204 from NoContent(): no body, no Content-Length. */
  | { readonly kind: 'noContent' }
  /** ObjectResult of a DTO: JSON, media type negotiated from Accept. */
  | {
      readonly kind: 'object';
      readonly status: number;
      readonly body: StjValue;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** ObjectResult of a .NET string: raw text/plain or a JSON string literal, negotiated from Accept. */
  | { readonly kind: 'string'; readonly status: number; readonly text: string }
  /** ProblemDetails (application/problem+json). */
  | { readonly kind: 'problem'; readonly status: number; readonly body: StjValue }
  /** Anything written by middleware directly (Swagger). */
  | {
      readonly kind: 'raw';
      readonly status: number;
      readonly contentType: string | null;
      readonly body: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** An exception no controller caught: developer exception page or an empty 500. */
  | { readonly kind: 'unhandled'; readonly error: LegacyException };

export const empty = (status: number, headers?: Record<string, string>): Outcome => ({
  kind: 'empty',
  status,
  ...(headers ? { headers } : {}),
});

export const text = (status: number, message: string): Outcome => ({ kind: 'string', status, text: message });

export const ok = (body: StjValue): Outcome => ({ kind: 'object', status: 200, body });

/** Thrown by a stage to end the request as an unhandled .NET exception. */
export class LegacyUnhandledError extends Error {
  constructor(readonly legacy: LegacyException) {
    super(`${legacy.type}: ${legacy.message}`);
    this.name = 'LegacyUnhandledError';
  }
}
