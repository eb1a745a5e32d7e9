// Differential check of the sql mode end to end: a generated tenant (1500 prescriptions, 30 % new) behind
// the legacy emulator, the proxy in front with the three V2 reads in `sql` mode. Hundreds of randomised
// requests go to the proxy and to the emulator directly; status, Content-Type and body must be equal byte
// for byte once the "now" timestamps are masked, and X-Edge names `sql` for what the proxy answered itself.
// Then random writes through the proxy, and the comparison again. The PRNG seed is printed
// (EDGE_DIFF_SEED=<n> reproduces a run).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedTenant } from '../../src/seed/seed-tenant.js';
import { startLegacyFixture, type LegacyFixture } from '../support/emulator-fixtures.js';
import { describeWith } from '../support/needs.js';
import {
  fastRoutes,
  mask,
  metric,
  migrate,
  pick,
  prng,
  send,
  startProxy,
  type Proxy,
  type Reply,
  type Request,
} from './fast-path-support.js';

const SEED = Number(process.env.EDGE_DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));
const READS_BEFORE_WRITES = 500;
const WRITE_ROUNDS = 4;
const READS_PER_ROUND = 15;

let legacy: LegacyFixture;
let proxy: Proxy;

interface Corpus {
  readonly uuids: readonly string[];
  readonly typed: readonly { uuid: string; type: string }[];
}
let corpus: Corpus;

const TYPES = [
  undefined,
  '',
  'eMuster16',
  'EMUSTER16',
  'emuster16',
  'P-Rezept',
  'p-rezept',
  'E-Rezept',
  'e-REZEPT',
  'pRezept',
  'eRezept',
  'unknown',
  'Muster16',
];
// Valid values dominate (so most requests are answered); every boundary and oddity stays in the mix.
const PAGES = [
  ...[undefined, '1', '1', '2', '2', '3', '4', '5', '7', '10', '30', '100'],
  ...['-1', '0', '%2B2', 'abc', '2147483647'],
];
const PAGE_SIZES = [
  ...[undefined, '1', '2', '3', '5', '7', '10', '10', '20', '25', '50'],
  ...[undefined, '1', '2', '3', '4', '6', '8', '10', '12', '15', '30'],
  ...['-1', '0', '100', '150', '499', '500', '501', '1000', '100000', '1.5'],
];
const ACCEPTS = [
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  'application/json',
  'application/json',
  '*/*',
  'application/json, text/plain, */*',
  'text/plain',
  'application/xml',
  'text/json',
  'application/problem+json',
  'application/json;q=0.9',
];

function listRequest(random: () => number): Request {
  const path = pick(random, [
    '/v2/rezept',
    '/v2/rezept/status',
    '/V2/REZEPT',
    '/v2.0/rezept/',
    '/v2/rezept/Status',
  ]);
  const params: string[] = [];
  const type = pick(random, TYPES);
  const page = pick(random, PAGES);
  const pageSize = pick(random, PAGE_SIZES);
  if (type !== undefined)
    params.push(`${pick(random, ['type', 'Type', 'TYPE'])}=${encodeURIComponent(type)}`);
  if (page !== undefined) params.push(`${pick(random, ['page', 'Page', 'PAGE'])}=${page}`);
  if (pageSize !== undefined)
    params.push(`${pick(random, ['pageSize', 'pagesize', 'PAGESIZE'])}=${pageSize}`);
  if (random() < 0.1) params.push(`page=${pick(random, ['1', '2', '9'])}`); // first value wins
  if (random() < 0.2) params.push(`pharmacyId=${Math.floor(random() * 100)}`);
  if (random() < 0.05) params.push('unrelated=x');
  // Shuffle: order of parameters must not matter.
  params.sort(() => random() - 0.5);
  const accept = pick(random, ACCEPTS);
  return {
    path: params.length === 0 ? path : `${path}?${params.join('&')}`,
    headers: accept === undefined ? {} : { accept },
  };
}

function uuidList(random: () => number): string[] {
  const size = pick(random, [0, 1, 1, 2, 3, 5, 8, 13, 30, 60]);
  const out: string[] = [];
  for (let i = 0; i < size; i += 1) {
    const r = random();
    if (r < 0.1) out.push(`nope-${Math.floor(random() * 1000)}`);
    else if (r < 0.2 && out.length > 0)
      out.push(pick(random, out)); // duplicate
    else out.push(pick(random, corpus.uuids));
  }
  return out;
}

function statusUuidRequest(random: () => number): Request {
  const path = pick(random, ['/v2/rezept/statusuuid', '/v2/rezept/statusuuid/', '/V2/rezept/StatusUuid']);
  const r = random();
  const uuids =
    r < 0.03
      ? Array.from({ length: 1001 }, (_, i) => pick(random, corpus.uuids) + (i % 2 ? '' : 'x'))
      : uuidList(random);
  const body =
    random() < 0.1 ? JSON.stringify({ RezeptUuids: uuids }) : JSON.stringify({ rezeptUuids: uuids });
  const contentType = pick(random, [
    ...['application/json', 'application/json', 'application/json', 'application/json; charset=utf-8'],
    'text/plain',
  ]);
  const accept = pick(random, ACCEPTS);
  return {
    method: 'PATCH',
    path,
    headers: { 'content-type': contentType, ...(accept === undefined ? {} : { accept }) },
    body,
    chunked: random() < 0.3,
  };
}

function randomRead(random: () => number): Request {
  return random() < 0.25 ? statusUuidRequest(random) : listRequest(random);
}

interface Tally {
  answered: number;
  forwarded: number;
}

async function compare(request: Request, tally: Tally): Promise<void> {
  const withAuth: Request = { ...request, headers: { ...request.headers, authorization: legacy.auth } };
  const viaProxy: Reply = await send(proxy.port, withAuth);
  const direct: Reply = await send(legacy.emulator.port, withAuth);
  const where = `${request.method ?? 'GET'} ${request.path} ${JSON.stringify(request.headers)} ${String(request.body ?? '').slice(0, 200)}`;
  expect(viaProxy.status, where).toBe(direct.status);
  expect(viaProxy.headers['content-type'], where).toBe(direct.headers['content-type']);
  const edge = viaProxy.headers['x-edge'];
  if (edge === 'sql') {
    tally.answered += 1;
    expect(viaProxy.headers['content-length'], where).toBeUndefined();
    expect(viaProxy.headers['transfer-encoding'], where).toBe('chunked');
    expect(mask(viaProxy.text), where).toBe(mask(direct.text));
  } else {
    expect(edge, where).toBe('legacy');
    tally.forwarded += 1;
    // The legacy's own answer relayed; a Development 500 page differs by the forwarded request headers.
    if (direct.status < 500) expect(mask(viaProxy.text), where).toBe(mask(direct.text));
  }
}

async function inBatches(requests: readonly Request[], tally: Tally, width = 6): Promise<void> {
  for (let i = 0; i < requests.length; i += width)
    await Promise.all(requests.slice(i, i + width).map((r) => compare(r, tally)));
}

function randomWrite(random: () => number): Request {
  const kind = random();
  const items = Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(random, corpus.typed));
  if (kind < 0.6) {
    const updates = items.map(({ uuid, type }) => ({
      rezeptUuid: uuid,
      type: random() < 0.3 ? type.toLowerCase() : type,
      ...(random() < 0.6 ? { transferArz: random() < 0.5 } : {}),
      ...(random() < 0.6
        ? { status: pick(random, ['GELESEN', 'ABGERECHNET', 'VOR_PRUEFUNG', 'FEHLER']) }
        : {}),
    }));
    return {
      method: 'PATCH',
      path: '/v2/rezept/status',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ updates }),
    };
  }
  return {
    method: 'POST',
    path: kind < 0.85 ? '/api/v1/Prescriptions/mark-as-read' : '/api/v1/Prescriptions/set-abgerechnet',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prescriptions: items.map(({ uuid, type }) => ({ type, rezeptUuid: uuid })) }),
  };
}

describeWith(['postgres'], 'sql mode ≡ legacy, byte for byte (differential, randomised)', () => {
  beforeAll(async () => {
    legacy = await startLegacyFixture({ prefix: 'fp_diff' });
    await seedTenant(legacy.tenantDb, { prescriptions: 1500, newShare: 0.3, seed: 20261201 });
    await Promise.all([migrate(legacy.tenant.url, 'tenant'), migrate(legacy.management.url, 'management')]);
    const typed: { uuid: string; type: string }[] = [];
    for (const [stem, type] of [
      ['emuster16', 'eMuster16'],
      ['prezept', 'P-Rezept'],
      ['erezept', 'E-Rezept'],
    ] as const) {
      const { rows } = await legacy.tenantDb.query<{ uuid: string }>(
        `SELECT rezept_uuid AS uuid FROM er_senderezepte_${stem}_daten ORDER BY md5(rezept_uuid) LIMIT 120`,
      );
      for (const r of rows) typed.push({ uuid: r.uuid, type });
    }
    // UUIDs that exist in two type tables (the seed plants some).
    const { rows: shared } = await legacy.tenantDb.query<{ uuid: string }>(
      `SELECT rezept_uuid AS uuid FROM er_senderezepte_emuster16_daten
       INTERSECT SELECT rezept_uuid FROM er_senderezepte_erezept_daten
       UNION SELECT rezept_uuid FROM er_senderezepte_prezept_daten
       INTERSECT SELECT rezept_uuid FROM er_senderezepte_erezept_daten`,
    );
    corpus = { uuids: [...typed.map((t) => t.uuid), ...shared.map((r) => r.uuid)], typed };
    proxy = await startProxy({
      legacyUrl: legacy.url,
      managementUrl: legacy.management.url,
      routes: fastRoutes({ mode: 'sql' }),
    });
    console.log(`[fast-path-differential] PRNG seed ${SEED} (EDGE_DIFF_SEED=${SEED} reproduces this run)`);
  }, 120_000);

  afterAll(async () => {
    await proxy?.app.stop();
    await legacy?.close();
  });

  it(`${READS_BEFORE_WRITES} random reads: every answer equals the legacy's`, async () => {
    const random = prng(SEED);
    const tally: Tally = { answered: 0, forwarded: 0 };
    await inBatches(
      Array.from({ length: READS_BEFORE_WRITES }, () => randomRead(random)),
      tally,
    );
    const { text } = await send(proxy.adminPort, { path: '/metrics' }, false);
    const reasons = text
      .split('\n')
      .filter((l) => l.startsWith('edge_fast_path_forwards_total{'))
      .map((l) => l.replace(/^.*reason="([^"]+)".*} (\d+)$/, '$1=$2'));
    console.log(
      `[fast-path-differential] reads: ${tally.answered} answered by sql, ${tally.forwarded} forwarded (${reasons.join(', ')})`,
    );
    expect(tally.answered).toBeGreaterThan(READS_BEFORE_WRITES / 2);
    expect(await metric(proxy.adminPort, 'edge_fast_path_answers_total', { edge: 'sql' })).toBe(
      tally.answered,
    );
  }, 120_000);

  it('random writes through the proxy, then reads still equal the legacy', async () => {
    const random = prng(SEED ^ 0x5a5a5a5a);
    const tally: Tally = { answered: 0, forwarded: 0 };
    for (let round = 0; round < WRITE_ROUNDS; round += 1) {
      for (let w = 0; w < 3; w += 1) {
        const write = randomWrite(random);
        const reply = await send(proxy.port, {
          ...write,
          headers: { ...write.headers, authorization: legacy.auth },
        });
        expect(reply.headers['x-edge']).toBe('legacy');
        expect(reply.status).toBe(200);
      }
      await inBatches(
        Array.from({ length: READS_PER_ROUND }, () => randomRead(random)),
        tally,
      );
    }
    expect(tally.answered).toBeGreaterThan((WRITE_ROUNDS * READS_PER_ROUND) / 2);
  }, 120_000);
});
