// Shared settings and request builders for the k6 scripts: target, credentials and the realistic
// request mix of pharmacy software. Reads configuration only from k6's __ENV, never hard-codes a host.
import encoding from 'k6/encoding';
import http from 'k6/http';
import type { RefinedResponse, ResponseType } from 'k6/http';

export const BASE_URL: string = (__ENV.EDGE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');

/** Comma-separated `user:password` pairs; each virtual user picks one so tenants interleave. */
const CREDENTIALS: string[] = (__ENV.EDGE_CREDENTIALS || 'demo_a:demo-password').split(',');

/** Comma-separated prescription UUIDs that the statusuuid and write requests use. */
const UUIDS: string[] = (__ENV.EDGE_UUIDS || '').split(',').filter((u) => u.length > 0);

export function authHeader(vu: number): string {
  const pair = CREDENTIALS[vu % CREDENTIALS.length] ?? CREDENTIALS[0] ?? '';
  return `Basic ${encoding.b64encode(pair)}`;
}

type Res = RefinedResponse<ResponseType | undefined>;

export function listNew(vu: number, query: string): Res {
  return http.get(`${BASE_URL}/v2/rezept${query}`, {
    headers: { Authorization: authHeader(vu), Accept: 'application/json' },
    tags: { name: 'GET /v2/rezept' },
  });
}

export function statusLookup(vu: number, count: number): Res {
  const rezeptUuids = UUIDS.slice(0, count);
  return http.patch(`${BASE_URL}/v2/rezept/statusuuid`, JSON.stringify({ rezeptUuids }), {
    headers: { Authorization: authHeader(vu), 'Content-Type': 'application/json' },
    tags: { name: 'PATCH /v2/rezept/statusuuid' },
  });
}

export function reportStatus(vu: number, iteration: number): Res {
  const uuid = UUIDS.length > 0 ? UUIDS[iteration % UUIDS.length] : '00000000-0000-0000-0000-000000000000';
  const body = { updates: [{ rezeptUuid: uuid, type: 'E-Rezept', status: 'GELESEN' }] };
  return http.patch(`${BASE_URL}/v2/rezept/status`, JSON.stringify(body), {
    headers: { Authorization: authHeader(vu), 'Content-Type': 'application/json' },
    tags: { name: 'PATCH /v2/rezept/status' },
  });
}

/** Most polls repeat the same first page; a few page deeper or filter by type. */
const REPEATED_QUERIES = ['?page=1&pageSize=100', '?page=1&pageSize=100&type=E-Rezept'];
const OTHER_QUERIES = ['?page=2&pageSize=100', '?page=1&pageSize=500', '?type=eMuster16'];

export function realisticMix(vu: number, iteration: number, roll: number): Res {
  if (roll < 0.05) return reportStatus(vu, iteration);
  if (roll < 0.1) return statusLookup(vu, 100);
  const pool = roll < 0.85 ? REPEATED_QUERIES : OTHER_QUERIES;
  return listNew(vu, pool[iteration % pool.length] ?? '');
}
