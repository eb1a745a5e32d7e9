// Freshness under load, the I/O side: readers poll page 1 of one tenant's new E-Rezept list through the
// configuration under test while a writer closes prescriptions on that page — directly in the tenant
// database (transfer_arz flipped, ABGERECHNET status row inserted) and through the API under test
// (PATCH /v2/rezept/status). After every write the writer records the exact page-1 answer the legacy
// semantics give (CONTRACT §6.1) and when it was committed; freshness-classifier.ts judges each read.
// Every change is undone at the end (the data stays reusable); states never repeat during a run.
import http from 'node:http';
import pg from 'pg';
import {
  pageKey,
  parseListBody,
  tallyReads,
  type FreshnessTally,
  type PageItem,
  type ReadSample,
  type StateRecord,
} from './freshness-classifier.js';

export interface FreshnessTenant {
  readonly index: number;
  readonly dbUrl: string;
  readonly authorization: string;
}

export interface FreshnessOptions {
  readonly port: number;
  /** Response header naming the path taken (x-edge, x-cache-status), counted per read. */
  readonly observeHeader: string;
  readonly tenants: readonly FreshnessTenant[];
  readonly seconds: number;
  readonly readersPerTenant: number;
  /** Upper bound of reads per second over all readers (keeps the harness' own CPU use bounded). */
  readonly readRate: number;
  readonly writeIntervalMs: number;
  readonly boundMs: number;
  readonly pageSize: number;
  readonly log: (line: string) => void;
}

export type WriteKind = 'sql-transfer' | 'sql-status' | 'api-transfer';
const WRITE_KINDS: readonly WriteKind[] = ['sql-transfer', 'sql-status', 'api-transfer'];

export interface FreshnessResult {
  readonly tally: FreshnessTally;
  readonly observed: Readonly<Record<string, number>>;
  readonly writes: Readonly<Record<WriteKind, number>>;
  readonly writeErrors: number;
  /** Wall time of the API writes through the configuration under test (ms, ascending). */
  readonly apiWriteMs: Float64Array;
  readonly restored: boolean;
  readonly readLatencyMs: Float64Array;
  /** Why reads failed: HTTP status or the client error, with counts. */
  readonly readFailures: Readonly<Record<string, number>>;
}

const STATE_SQL = `
  SELECT e.id_senderezepte_erezept AS id,
         (SELECT d.rezept_uuid FROM er_senderezepte_erezept_daten d
           WHERE d.id_senderezepte_erezept = e.id_senderezepte_erezept AND NOT d.transfer_arz
           ORDER BY d.id_senderezepte_erezept_daten LIMIT 1) AS uuid
    FROM er_senderezepte_erezept e
   WHERE EXISTS (SELECT 1 FROM er_senderezepte_erezept_daten d
                  WHERE d.id_senderezepte_erezept = e.id_senderezepte_erezept AND NOT d.transfer_arz)
     AND NOT EXISTS (SELECT 1 FROM er_senderezepte_erezept_status s
                  WHERE s.id_senderezepte_erezept = e.id_senderezepte_erezept AND s.rezept_status = 'ABGERECHNET')
   ORDER BY e.id_senderezepte_erezept DESC
   LIMIT $1`;

const COUNT_SQL = `
  SELECT count(*)::int AS n FROM er_senderezepte_erezept e
   WHERE EXISTS (SELECT 1 FROM er_senderezepte_erezept_daten d
                  WHERE d.id_senderezepte_erezept = e.id_senderezepte_erezept AND NOT d.transfer_arz)
     AND NOT EXISTS (SELECT 1 FROM er_senderezepte_erezept_status s
                  WHERE s.id_senderezepte_erezept = e.id_senderezepte_erezept AND s.rezept_status = 'ABGERECHNET')`;

interface PageState {
  readonly items: PageItem[];
  readonly total: number;
}

async function readState(client: pg.ClientBase, pageSize: number): Promise<PageState> {
  const page = await client.query<{ id: number; uuid: string | null }>(STATE_SQL, [pageSize]);
  const count = await client.query<{ n: number }>(COUNT_SQL);
  return { items: page.rows.map((r) => ({ id: r.id, uuid: r.uuid })), total: count.rows[0]?.n ?? 0 };
}

/** rezeptUuids of every daten row of the heads a run can reach (page 1 plus the closures to come). */
async function readUniverse(client: pg.ClientBase, reach: number): Promise<Set<string>> {
  const { rows } = await client.query<{ u: string }>(
    `WITH heads AS (${STATE_SQL})
     SELECT d.rezept_uuid AS u FROM er_senderezepte_erezept_daten d
      WHERE d.id_senderezepte_erezept >= (SELECT coalesce(min(id), 0) FROM heads) AND d.rezept_uuid IS NOT NULL`,
    [reach],
  );
  return new Set(rows.map((r) => r.u));
}

type Undo = { kind: 'daten'; ids: number[] } | { kind: 'status'; id: number };

interface TenantWriter {
  readonly tenant: FreshnessTenant;
  readonly client: pg.Client;
  readonly history: StateRecord[];
  state: PageState;
  readonly undo: Undo[];
}

function request(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | undefined,
  agent: http.Agent | false,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(120_000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

function firstToken(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined ? '(none)' : (text.split(';')[0] as string).trim();
}

export async function runFreshness(options: FreshnessOptions): Promise<FreshnessResult> {
  const writers: TenantWriter[] = [];
  const universes = new Map<number, Set<string>>();
  for (const tenant of options.tenants) {
    const client = new pg.Client({ connectionString: tenant.dbUrl, application_name: 'arzti-bench-writer' });
    await client.connect();
    const reach = options.pageSize + Math.ceil((options.seconds * 1000) / options.writeIntervalMs) + 50;
    universes.set(tenant.index, await readUniverse(client, reach));
    const state = await readState(client, options.pageSize);
    if (state.items.length < 2)
      throw new Error(`tenant ${tenant.index} has too few new E-Rezept prescriptions`);
    writers.push({
      tenant,
      client,
      state,
      undo: [],
      history: [
        { commitStartMs: -Infinity, commitEndMs: -Infinity, key: pageKey(state.items), total: state.total },
      ],
    });
  }

  const samples: ReadSample[] = [];
  const readLatency: number[] = [];
  const observed: Record<string, number> = {};
  const readFailures: Record<string, number> = {};
  const fail = (why: string) => void (readFailures[why] = (readFailures[why] ?? 0) + 1);
  const path = `/v2/rezept?type=E-Rezept&page=1&pageSize=${options.pageSize}`;
  let stopping = false;
  const readers: Promise<void>[] = [];
  const agents: http.Agent[] = [];
  const readerCount = options.readersPerTenant * options.tenants.length;
  const minIntervalMs = (readerCount * 1000) / options.readRate;
  for (const tenant of options.tenants) {
    const others = options.tenants
      .filter((t) => t.index !== tenant.index)
      .map((t) => universes.get(t.index)!);
    const agent = new http.Agent({ keepAlive: true, maxSockets: options.readersPerTenant });
    agents.push(agent);
    for (let r = 0; r < options.readersPerTenant; r += 1) {
      readers.push(
        (async () => {
          // Spread the readers' phases so they do not poll in lockstep.
          await new Promise((res) => setTimeout(res, (r * minIntervalMs) / options.readersPerTenant));
          while (!stopping) {
            const startMs = performance.now();
            let sample: ReadSample;
            try {
              const res = await request(
                options.port,
                'GET',
                path,
                { authorization: tenant.authorization },
                undefined,
                agent,
              );
              const endMs = performance.now();
              const edge = firstToken(res.headers[options.observeHeader]);
              observed[edge] = (observed[edge] ?? 0) + 1;
              const parsed = res.status === 200 ? parseListBody(res.body) : undefined;
              if (res.status !== 200) fail(`HTTP ${res.status}`);
              else if (!parsed) fail('200 without a list body');
              const foreign =
                parsed !== undefined &&
                parsed.items.some((i) => i.uuid !== null && others.some((u) => u.has(i.uuid as string)));
              sample = {
                tenant: tenant.index,
                startMs,
                endMs,
                status: res.status,
                key: parsed ? pageKey(parsed.items) : undefined,
                total: parsed?.total,
                foreign,
              };
              readLatency.push(endMs - startMs);
            } catch (err) {
              fail((err as Error).message);
              sample = {
                tenant: tenant.index,
                startMs,
                endMs: performance.now(),
                status: 0,
                key: undefined,
                total: undefined,
                foreign: false,
              };
            }
            samples.push(sample);
            const wait = minIntervalMs - (performance.now() - startMs);
            if (wait > 0) await new Promise((res) => setTimeout(res, wait));
          }
        })(),
      );
    }
  }

  const writes: Record<WriteKind, number> = { 'sql-transfer': 0, 'sql-status': 0, 'api-transfer': 0 };
  const apiWriteMs: number[] = [];
  let writeErrors = 0;
  const deadline = performance.now() + options.seconds * 1000;
  let n = 0;
  // Let the readers see the initial state for one interval first.
  await new Promise((res) => setTimeout(res, options.writeIntervalMs));
  while (performance.now() < deadline) {
    const opStarted = performance.now();
    const writer = writers[n % writers.length] as TenantWriter;
    const kind = WRITE_KINDS[Math.floor(n / writers.length) % WRITE_KINDS.length] as WriteKind;
    n += 1;
    try {
      await closeOne(writer, kind, options);
      writes[kind] += 1;
      if (kind === 'api-transfer') {
        const last = writer.history[writer.history.length - 1] as StateRecord;
        apiWriteMs.push(last.commitEndMs - last.commitStartMs);
      }
    } catch (err) {
      writeErrors += 1;
      options.log(`  freshness: ${kind} write failed: ${(err as Error).message}`);
    }
    const wait = options.writeIntervalMs - (performance.now() - opStarted);
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  }
  stopping = true;
  await Promise.all(readers);
  for (const agent of agents) agent.destroy();

  let restored = true;
  for (const writer of writers) {
    for (const undo of writer.undo.reverse()) {
      if (undo.kind === 'daten') {
        await writer.client.query(
          'UPDATE er_senderezepte_erezept_daten SET transfer_arz = false WHERE id_senderezepte_erezept_daten = ANY($1)',
          [undo.ids],
        );
      } else {
        await writer.client.query(
          'DELETE FROM er_senderezepte_erezept_status WHERE id_senderezepte_erezept_status = $1',
          [undo.id],
        );
      }
    }
    const after = await readState(writer.client, options.pageSize);
    if (pageKey(after.items) !== writer.history[0]?.key || after.total !== writer.history[0]?.total) {
      restored = false;
    }
    await writer.client.end();
  }

  const histories = new Map(writers.map((w) => [w.tenant.index, w.history]));
  return {
    tally: tallyReads(samples, histories, options.boundMs),
    observed,
    writes,
    writeErrors,
    apiWriteMs: Float64Array.from(apiWriteMs).sort(),
    restored,
    readLatencyMs: Float64Array.from(readLatency).sort(),
    readFailures,
  };
}

/** Closes one prescription of the current page 1 (a random one) with the given kind of write. */
async function closeOne(writer: TenantWriter, kind: WriteKind, options: FreshnessOptions): Promise<void> {
  const items = writer.state.items;
  const target = items[Math.floor(Math.random() * items.length)] as PageItem;
  const { client } = writer;
  if (kind === 'api-transfer') {
    const before = await client.query<{ id: number }>(
      `SELECT id_senderezepte_erezept_daten AS id FROM er_senderezepte_erezept_daten
        WHERE rezept_uuid = $1 AND transfer_arz = false`,
      [target.uuid],
    );
    const body = JSON.stringify({
      updates: [{ rezeptUuid: target.uuid, type: 'E-Rezept', transferArz: true }],
    });
    const commitStartMs = performance.now();
    const res = await request(
      options.port,
      'PATCH',
      '/v2/rezept/status',
      {
        authorization: writer.tenant.authorization,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
      false,
    );
    const commitEndMs = performance.now();
    writer.undo.push({ kind: 'daten', ids: before.rows.map((r) => r.id) });
    if (res.status !== 200 || !res.body.includes('"success":true')) {
      throw new Error(`PATCH /v2/rezept/status answered ${res.status} ${res.body.slice(0, 120)}`);
    }
    const state = await readState(client, options.pageSize);
    writer.state = state;
    writer.history.push({ commitStartMs, commitEndMs, key: pageKey(state.items), total: state.total });
    return;
  }
  await client.query('BEGIN');
  let undo: Undo;
  try {
    if (kind === 'sql-transfer') {
      const { rows } = await client.query<{ id: number }>(
        `UPDATE er_senderezepte_erezept_daten SET transfer_arz = true
          WHERE id_senderezepte_erezept = $1 AND transfer_arz = false
          RETURNING id_senderezepte_erezept_daten AS id`,
        [target.id],
      );
      undo = { kind: 'daten', ids: rows.map((r) => r.id) };
    } else {
      const { rows } = await client.query<{ id: number }>(
        `INSERT INTO er_senderezepte_erezept_status
           (id_senderezepte_erezept, rezept_status, abrechen_status, status_abfrage_datum, rezept_check_level)
         VALUES ($1, 'ABGERECHNET', 'OK', current_date, 0)
         RETURNING id_senderezepte_erezept_status AS id`,
        [target.id],
      );
      undo = { kind: 'status', id: rows[0]!.id };
    }
    // Single writer: the state seen inside the transaction is exactly the state after its commit.
    const state = await readState(client, options.pageSize);
    const commitStartMs = performance.now();
    await client.query('COMMIT');
    const commitEndMs = performance.now();
    writer.undo.push(undo);
    writer.state = state;
    writer.history.push({ commitStartMs, commitEndMs, key: pageKey(state.items), total: state.total });
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
