// Decides, for an authenticated V2 read, whether the fast SQL path can answer byte-identically
// (with normalised parameters) or the request must be forwarded to the legacy. Pure: no I/O, no
// clock. The rule is "answer only what we reproduce exactly"; every doubt is a bounded forward reason.
import { JSON_UTF8, objectContentType, stringContentType, type TEXT_UTF8 } from './accept-negotiation.js';
import { parseBulkStatusBody } from './bulk-status-body.js';
import { PRESCRIPTION_TYPES, type PrescriptionType } from './prescription-types.js';
import { parsePlainInt32, readQueryParams } from './query-params.js';

/** GET /v2/rezept, GET /v2/rezept/status (same data, pharmacyId ignored), PATCH /v2/rezept/statusuuid. */
export type V2ReadEndpoint = 'list' | 'pharmacy-list' | 'statusuuid';

export interface V2RequestLimits {
  /** Performance:MaxPageSize of the emulated environment (500 in Development/Production). */
  readonly maxPageSize: number;
  /** Performance:MaxBulkSize (never configured in the legacy: 1000). */
  readonly maxBulkSize: number;
}

export interface V2RequestInput {
  readonly endpoint: V2ReadEndpoint;
  readonly method: string;
  /** The raw query string, with or without the leading '?'; '' when absent. */
  readonly rawQuery: string;
  /** Request headers with lower-case names (node's IncomingHttpHeaders shape). */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Raw body bytes (statusuuid only). */
  readonly body?: Uint8Array;
  /** Whether the principal's tenant connection string is non-empty (the legacy 400s otherwise). */
  readonly hasConnectionString: boolean;
}

export interface V2ListQuery {
  readonly op: 'list';
  /** Selected types in block order; empty when `type` names none (no SQL then). */
  readonly types: readonly PrescriptionType[];
  /** As requested (echoed). */
  readonly page: number;
  /** After the MaxPageSize cap (echoed). */
  readonly pageSize: number;
  /** (page-1)*pageSize, >= 0 and exact whenever `types` is non-empty. */
  readonly offset: number;
}

export interface V2StatusUuidQuery {
  readonly op: 'statusuuid';
  /** In request order, duplicates kept (they count in totalCount). 1..maxBulkSize items. */
  readonly rezeptUuids: readonly string[];
}

/** A controller 400 with a bare-string body, already in its Accept-dependent form. */
export interface V2StringError {
  readonly op: 'string-error';
  readonly status: 400;
  readonly contentType: typeof JSON_UTF8 | typeof TEXT_UTF8;
  /** Exact body (ASCII). */
  readonly body: string;
}

export type V2ForwardReason =
  | 'method'
  | 'tenant-header'
  | 'api-version-header'
  | 'accept'
  | 'param-name'
  | 'param-encoding'
  | 'param-invalid'
  | 'type-non-ascii'
  | 'paging-legacy-error'
  | 'content-type'
  | 'body-invalid'
  | 'no-connection-string';

export type V2ReadDecision =
  | { readonly kind: 'answer'; readonly query: V2ListQuery | V2StatusUuidQuery | V2StringError }
  | { readonly kind: 'forward'; readonly reason: V2ForwardReason };

/** The Content-Type of every 200 answer the fast path gives (other negotiated types are forwarded). */
export const V2_ANSWER_CONTENT_TYPE = JSON_UTF8;

const forward = (reason: V2ForwardReason): V2ReadDecision => ({ kind: 'forward', reason });

export function decideV2Read(input: V2RequestInput, limits: V2RequestLimits): V2ReadDecision {
  const { headers } = input;
  if (input.method !== (input.endpoint === 'statusuuid' ? 'PATCH' : 'GET')) return forward('method');
  // Any X-Tenant-Id (even empty) and any X-API-Version: the legacy 500s / re-resolves the version.
  if (headers['x-tenant-id'] !== undefined) return forward('tenant-header');
  if (headers['x-api-version'] !== undefined) return forward('api-version-header');
  return input.endpoint === 'statusuuid' ? decideStatusUuid(input, limits) : decideList(input, limits);
}

function decideList(input: V2RequestInput, limits: V2RequestLimits): V2ReadDecision {
  const params = readQueryParams(input.rawQuery, ['type', 'page', 'pagesize']);
  if (!params.ok) return forward(params.reason);
  if (objectContentType(input.headers['accept'], input.headers['accept-charset']) === 'unsure') {
    return forward('accept');
  }
  if (!input.hasConnectionString) return forward('no-connection-string');

  const rawPage = params.first.get('page');
  const rawPageSize = params.first.get('pagesize');
  const page = rawPage === undefined ? 1 : parsePlainInt32(rawPage);
  const requestedPageSize = rawPageSize === undefined ? 100 : parsePlainInt32(rawPageSize);
  if (page === undefined || requestedPageSize === undefined) return forward('param-invalid');
  const pageSize = Math.min(requestedPageSize, limits.maxPageSize);

  const types = selectTypes(params.first.get('type'));
  if (types === undefined) return forward('type-non-ascii');
  // With no type selected the legacy runs no SQL: any page/pageSize gives an empty 200.
  let offset = 0;
  if (types.length > 0) {
    // The legacy passes (page-1)*pageSize (int32, wrapping) and pageSize to OFFSET/LIMIT; negative
    // values are a PostgreSQL error (500) and a wrapped product a wrong page: both go to the legacy.
    if (pageSize < 0) return forward('paging-legacy-error');
    offset = (page - 1) * pageSize + 0; // + 0 turns -0 into 0
    if (offset < 0 || offset > 2147483647) return forward('paging-legacy-error');
  }
  return { kind: 'answer', query: { op: 'list', types, page, pageSize, offset } };
}

/** CONTRACT §6.1.1: null/empty → all; ordinal-ignore-case match; anything else → none. */
function selectTypes(raw: string | undefined): readonly PrescriptionType[] | undefined {
  if (raw === undefined || raw === '') return PRESCRIPTION_TYPES;
  // .NET folds some non-ASCII letters onto ASCII ones (e.g. U+017F 'ſ' → 'S'): do not guess.
  if (/[\u0080-\uffff]/.test(raw)) return undefined;
  const lower = raw.toLowerCase();
  const match = PRESCRIPTION_TYPES.find((t) => t.toLowerCase() === lower);
  return match === undefined ? [] : [match];
}

function decideStatusUuid(input: V2RequestInput, limits: V2RequestLimits): V2ReadDecision {
  const contentType = input.headers['content-type'];
  if (typeof contentType !== 'string' || !/^application\/json(\s*;\s*charset=utf-8)?$/i.test(contentType)) {
    return forward('content-type');
  }
  if (input.headers['content-encoding'] !== undefined) return forward('body-invalid');
  const uuids = input.body === undefined ? undefined : parseBulkStatusBody(input.body);
  if (uuids === undefined) return forward('body-invalid');

  if (uuids.length === 0) return stringError(input, 'RezeptUuids list cannot be empty');
  if (!input.hasConnectionString) return forward('no-connection-string');
  if (uuids.length > limits.maxBulkSize) {
    return stringError(input, `Bulk operation limited to ${limits.maxBulkSize} items`);
  }
  if (objectContentType(input.headers['accept'], input.headers['accept-charset']) === 'unsure') {
    return forward('accept');
  }
  return { kind: 'answer', query: { op: 'statusuuid', rezeptUuids: uuids } };
}

function stringError(input: V2RequestInput, message: string): V2ReadDecision {
  const contentType = stringContentType(input.headers['accept'], input.headers['accept-charset']);
  if (contentType === 'unsure') return forward('accept');
  // The messages are plain ASCII without characters STJ escapes, so the JSON literal is just quoted.
  const body = contentType === JSON_UTF8 ? `"${message}"` : message;
  return { kind: 'answer', query: { op: 'string-error', status: 400, contentType, body } };
}
