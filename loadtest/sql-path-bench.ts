// Query-level benchmark of the fast SQL path (src/prescriptions) against the legacy's EF Core query
// shape (shared/legacy/ef-shape-v2.sql) on one tenant database, alternating F E F E… per scenario, plus
// the cost of building the JSON body (and the escaper's share of it). Prints a Markdown report with
// commit, Node, CPU and PostgreSQL settings. The legacy shape runs with server defaults (as the legacy
// does); the fast path with its own transaction-local settings (jit off, no parallel workers).
//
//   npx tsx loadtest/sql-path-bench.ts --db=postgres://postgres@127.0.0.1:5432/edge_bench_1m_x
//     [--runs=7] [--ef-runs=5] [--migrate]        --migrate applies 001_fast_path_indexes.up.sql first
//   npx tsx loadtest/sql-path-bench.ts --db=postgres://…/edge_sqlpath_dev_100k --generate=100000
//     creates that database with a synthetic data set (30/10/60 % types, 5 % new, ~1.3 daten and
//     ~1.8 status rows per head, ~1.9 KB XML) for EXPLAIN work when no seeded database exists.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import pg from 'pg';
import { createPgDatabase } from '../src/adapters/postgres/pg-database.js';
import { createUtcClock } from '../src/core/stj-datetime.js';
import { stjEscape } from '../src/core/stj-json.js';
import type { SqlDatabase, SqlExecutor } from '../src/core/sql-port.js';
import { splitSqlStatements } from '../src/migrate/sql-statements.js';
import {
  fetchListPage,
  fetchStatusUuidRows,
  openListSource,
  type V2ListRow,
} from '../src/prescriptions/fast-queries.js';
import type { PrescriptionType } from '../src/prescriptions/prescription-types.js';
import { FAST_PATH_SETTINGS_SQL } from '../src/prescriptions/snapshot-stream.js';
import { renderSplicedChunk, utcTimestamps } from '../src/prescriptions/spliced-body.js';
import { encodeV2ListBody } from '../src/prescriptions/v2-body-writer.js';
import { answerV2Read } from '../src/prescriptions/v2-fast-answer.js';

const ROOT = resolve(import.meta.dirname, '..');
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k as string, v ?? 'true'];
  }),
);
const DB_URL = args.get('db');
if (!DB_URL) {
  console.error(
    'usage: npx tsx loadtest/sql-path-bench.ts --db=postgres://… [--runs=7] [--ef-runs=5] [--migrate]',
  );
  process.exit(2);
}
const RUNS = Number(args.get('runs') ?? 7);
const EF_RUNS = Number(args.get('ef-runs') ?? 5);
const ALL: PrescriptionType[] = ['eMuster16', 'P-Rezept', 'E-Rezept'];
const STEM = { eMuster16: 'emuster16', 'P-Rezept': 'prezept', 'E-Rezept': 'erezept' } as const;

// ---------------------------------------------------------------- the legacy's EF Core 8 shape
function efList(type: PrescriptionType): string {
  const s = STEM[type];
  const headCols =
    type === 'eMuster16'
      ? 'e.rz_liefer_id, e.muster16_id'
      : type === 'P-Rezept'
        ? 'e.transaktions_nummer'
        : 'e.erezept_id';
  return `SELECT t.*, t1.*, t3.* FROM (
    SELECT e.id_senderezepte_${s}, ${headCols} FROM er_senderezepte_${s} AS e
    WHERE EXISTS (SELECT 1 FROM er_senderezepte_${s}_daten AS e0
                  WHERE e.id_senderezepte_${s} = e0.id_senderezepte_${s} AND NOT (e0.transfer_arz))
      AND NOT (EXISTS (SELECT 1 FROM er_senderezepte_${s}_status AS e1
                  WHERE e.id_senderezepte_${s} = e1.id_senderezepte_${s} AND e1.rezept_status = 'ABGERECHNET'))
    ORDER BY e.id_senderezepte_${s} DESC LIMIT $1 OFFSET $2) AS t
  LEFT JOIN (SELECT t0.* FROM (
      SELECT e2.id_senderezepte_${s}_daten, e2.id_senderezepte_${s} AS d_fk, e2.rezept_uuid, e2.transfer_arz, e2.xml_request,
             ROW_NUMBER() OVER(PARTITION BY e2.id_senderezepte_${s} ORDER BY e2.id_senderezepte_${s}_daten) AS row
      FROM er_senderezepte_${s}_daten AS e2 WHERE NOT (e2.transfer_arz)) AS t0 WHERE t0.row <= 1) AS t1
    ON t.id_senderezepte_${s} = t1.d_fk
  LEFT JOIN (SELECT t2.* FROM (
      SELECT e3.*, e3.id_senderezepte_${s} AS s_fk,
             ROW_NUMBER() OVER(PARTITION BY e3.id_senderezepte_${s} ORDER BY e3.id_senderezepte_${s}_status) AS row
      FROM er_senderezepte_${s}_status AS e3) AS t2 WHERE t2.row <= 1) AS t3
    ON t.id_senderezepte_${s} = t3.s_fk
  ORDER BY t.id_senderezepte_${s} DESC`;
}

function efCount(type: PrescriptionType): string {
  const s = STEM[type];
  return `SELECT count(*)::int FROM er_senderezepte_${s} AS e
    WHERE EXISTS (SELECT 1 FROM er_senderezepte_${s}_daten AS e0
                  WHERE e.id_senderezepte_${s} = e0.id_senderezepte_${s} AND NOT (e0.transfer_arz))
      AND NOT (EXISTS (SELECT 1 FROM er_senderezepte_${s}_status AS e1
                  WHERE e.id_senderezepte_${s} = e1.id_senderezepte_${s} AND e1.rezept_status = 'ABGERECHNET'))`;
}

/** The legacy's round trips for a list request: up to 3 page queries, then up to 3 counts. */
async function efListRequest(c: pg.Client, types: PrescriptionType[], pageSize: number, offset: number) {
  let rows = 0;
  for (const t of types) rows += (await c.query(efList(t), [pageSize, offset])).rowCount ?? 0;
  for (const t of types) await c.query(efCount(t));
  return rows;
}

/** statusuuid in the legacy: page (1, 1000, all types) with XML, filtered in memory. */
async function efStatusUuid(c: pg.Client, uuids: string[]) {
  const wanted = new Set(uuids);
  let found = 0;
  for (const t of ALL) {
    const { rows } = await c.query<{ rezept_uuid: string }>(efList(t), [1000, 0]);
    found += rows.filter((r) => wanted.has(r.rezept_uuid)).length;
  }
  return found;
}

// ---------------------------------------------------------------- the fast path
const fastTx = <T>(db: SqlDatabase, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> =>
  db.transaction(async (tx) => {
    await tx.query(FAST_PATH_SETTINGS_SQL);
    return fn(tx);
  });

// ---------------------------------------------------------------- measurement
interface Stats {
  p50: number;
  p95: number;
  min: number;
  n: number;
}
function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), min: s[0]!, n: s.length };
}
const fmt = (st: Stats | undefined) =>
  st === undefined
    ? '–'
    : `${st.p50.toFixed(1)} / ${st.p95.toFixed(1)} (min ${st.min.toFixed(1)}, n=${st.n})`;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function compare(
  name: string,
  fast: () => Promise<unknown>,
  ef: (() => Promise<unknown>) | undefined,
): Promise<[string, Stats, Stats | undefined]> {
  await fast(); // warm-up (plans, caches)
  if (ef && EF_RUNS > 0) await ef();
  const f: number[] = [];
  const e: number[] = [];
  for (let i = 0; i < Math.max(RUNS, ef ? EF_RUNS : 0); i++) {
    if (i < RUNS) f.push(await time(fast));
    if (ef && i < EF_RUNS) e.push(await time(ef));
  }
  const row: [string, Stats, Stats | undefined] = [name, stats(f), e.length ? stats(e) : undefined];
  console.error(`  ${name}: fast ${fmt(row[1])}  ef ${fmt(row[2])}`);
  return row;
}

// ---------------------------------------------------------------- optional setup
async function generate(url: string, heads: number): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const a = new pg.Client({ connectionString: admin.toString() });
  await a.connect();
  await a.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  await a.end();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(readFileSync(resolve(ROOT, 'sql/schema/apoti.sql'), 'utf8'));
  await c.query(`SELECT set_config('bench.n', $1, false)`, [String(heads)]);
  await c.query(GENERATOR_SQL);
  await c.query('VACUUM ANALYZE');
  await c.end();
}

async function migrate(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const file = resolve(ROOT, 'sql/migrations/tenant/001_fast_path_indexes.up.sql');
  for (const statement of splitSqlStatements(readFileSync(file, 'utf8'))) await c.query(statement);
  await c.end();
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const url = DB_URL!;
  if (args.has('generate')) await generate(url, Number(args.get('generate')));
  if (args.has('migrate') || args.has('generate')) await migrate(url);

  const legacy = new pg.Client({ connectionString: url });
  await legacy.connect();
  const db = createPgDatabase({ connectionString: url, max: 2 });

  const info = await legacy.query<{
    v: string;
    jit: string;
    par: string;
    sb: string;
    size: string;
    idx: number;
  }>(
    `SELECT version() AS v, current_setting('jit') AS jit, current_setting('max_parallel_workers_per_gather') AS par,
            current_setting('shared_buffers') AS sb, pg_size_pretty(pg_database_size(current_database())) AS size,
            (SELECT count(*)::int FROM pg_class WHERE relname LIKE 'arzti_edge_%' AND relkind = 'i') AS idx`,
  );
  const counts = await legacy.query<{ t: string; heads: number; new_heads: number }>(
    ALL.map(
      (t) => `SELECT '${t}' AS t, (SELECT count(*)::int FROM er_senderezepte_${STEM[t]}) AS heads,
                     (${efCount(t)}) AS new_heads`,
    ).join(' UNION ALL '),
  );
  const meta = info.rows[0]!;
  if (meta.idx < 9)
    console.error(`warning: only ${meta.idx} of 9 arzti_edge_* indexes present (use --migrate)`);
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
  } catch {
    /* not a git checkout */
  }

  const uuidRows = await legacy.query<{ u: string }>(
    `SELECT rezept_uuid AS u FROM er_senderezepte_erezept_daten WHERE transfer_arz = false
     ORDER BY id_senderezepte_erezept DESC LIMIT 400`,
  );
  const uuids = [
    ...uuidRows.rows.map((r) => r.u),
    ...Array.from({ length: 1000 - uuidRows.rows.length }, (_, i) => `unknown-${i}`),
  ];

  console.error('running scenarios …');
  const rows: [string, Stats, Stats | undefined][] = [];
  const list = (types: PrescriptionType[], pageSize: number, page = 1) => {
    const offset = (page - 1) * pageSize;
    return compare(
      `${types.length === 3 ? 'all three types' : types[0]} pageSize ${pageSize}${page > 1 ? ` page ${page}` : ''}`,
      () => fastTx(db, (tx) => fetchListPage(tx, { types, pageSize, offset })),
      () => efListRequest(legacy, types, pageSize, offset),
    );
  };
  rows.push(await list(['E-Rezept'], 100));
  rows.push(await list(['E-Rezept'], 500));
  rows.push(await list(['E-Rezept'], 1000));
  rows.push(await list(['E-Rezept'], 1000, 10));
  rows.push(await list(['eMuster16'], 100));
  rows.push(await list(['P-Rezept'], 100));
  rows.push(await list(ALL, 100));
  rows.push(await list(ALL, 500));
  rows.push(await list(ALL, 1000));
  for (const [types, pageSize, page] of [
    [['E-Rezept'], 100, 1],
    [ALL, 100, 1],
    [ALL, 100, 5],
  ] as [PrescriptionType[], number, number][]) {
    const offset = (page - 1) * pageSize;
    const { counts } = await fastTx(db, (tx) => openListSource(tx, { types, pageSize, offset }));
    rows.push(
      await compare(
        `${types.length === 3 ? 'all three types' : types[0]} pageSize ${pageSize} page ${page}, count memoised`,
        () => fastTx(db, (tx) => fetchListPage(tx, { types, pageSize, offset }, { knownCounts: counts })),
        undefined,
      ),
    );
  }
  rows.push(
    await compare(
      'statusuuid, 1000 uuids (400 hits)',
      () => fastTx(db, (tx) => fetchStatusUuidRows(tx, uuids)),
      () => efStatusUuid(legacy, uuids),
    ),
  );

  // Whole answers through the production code path (transaction + queries + JSON + timestamps).
  const clock = utcTimestamps(createUtcClock());
  const answerRows: [string, Stats, Stats | undefined][] = [];
  for (const [types, pageSize] of [
    [ALL, 100],
    [ALL, 500],
    [['E-Rezept'], 1000],
  ] as [PrescriptionType[], number][]) {
    answerRows.push(
      await compare(
        `answer ${types.length === 3 ? 'all three types' : types[0]} pageSize ${pageSize}`,
        async () => {
          const a = await answerV2Read(
            db,
            { op: 'list', types, page: 1, pageSize, offset: 0 },
            { environment: 'Live' },
          );
          for await (const c of a.chunks) renderSplicedChunk(c, clock);
        },
        undefined,
      ),
    );
  }

  // JSON building: where does the time go?
  const json: string[] = [];
  for (const [label, types, pageSize] of [
    ['E-Rezept 1000 items', ['E-Rezept'], 1000],
    ['all types 3 × 1000 items', ALL, 1000],
  ] as [string, PrescriptionType[], number][]) {
    const page = await fastTx(db, (tx) => fetchListPage(tx, { types, pageSize, offset: 0 }));
    const rowsIn: V2ListRow[] = page.rows;
    const summary = { totalCount: page.totalCount, page: 1, pageSize, environment: 'Live' };
    const xmlChars = rowsIn.reduce((n, r) => n + (r.xml_request ?? '').length, 0);
    const encodeMs: number[] = [];
    const escapeMs: number[] = [];
    const renderMs: number[] = [];
    const stringifyMs: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS + 2; i++) {
      let t0 = performance.now();
      const chunks = encodeV2ListBody(rowsIn, summary);
      encodeMs.push(performance.now() - t0);
      t0 = performance.now();
      bytes = 0;
      for (const c of chunks) bytes += renderSplicedChunk(c, clock).length;
      renderMs.push(performance.now() - t0);
      t0 = performance.now();
      let sink = 0;
      for (const r of rowsIn) sink += stjEscape(r.xml_request ?? '').length;
      escapeMs.push(performance.now() - t0);
      t0 = performance.now();
      sink += JSON.stringify(rowsIn).length;
      stringifyMs.push(performance.now() - t0);
      if (sink < 0) console.error(sink);
    }
    const enc = stats(encodeMs.slice(2));
    const esc = stats(escapeMs.slice(2));
    json.push(
      `| ${label} | ${(bytes / 1e6).toFixed(2)} MB (${(xmlChars / 1e6).toFixed(2)} M XML chars) | ${enc.p50.toFixed(1)} | ` +
        `${esc.p50.toFixed(1)} (${((100 * esc.p50) / enc.p50).toFixed(0)} %) | ${stats(renderMs.slice(2)).p50.toFixed(1)} | ` +
        `${stats(stringifyMs.slice(2)).p50.toFixed(1)} |`,
    );
  }

  const cpu = cpus();
  console.log(`## SQL path benchmark (${new Date().toISOString()})\n`);
  console.log(
    `commit ${commit} · Node ${process.version} · ${cpu[0]?.model ?? '?'} × ${cpu.length} · ${meta.v.split(',')[0]} · ` +
      `server jit=${meta.jit}, max_parallel_workers_per_gather=${meta.par}, shared_buffers=${meta.sb} · DB ${meta.size}`,
  );
  console.log(
    `\ndata: ${counts.rows.map((r) => `${r.t} ${r.heads} heads / ${r.new_heads} new`).join(', ')} · ` +
      `fast runs ${RUNS}, legacy runs ${EF_RUNS}, alternating after one warm-up each; single client\n`,
  );
  console.log(
    '| scenario (query level: statements + row transfer) | fast p50 / p95 ms | legacy EF shape p50 / p95 ms | speed-up (p50) |',
  );
  console.log('|---|---|---|---|');
  for (const [name, f, e] of rows) {
    console.log(`| ${name} | ${fmt(f)} | ${fmt(e)} | ${e ? `${(e.p50 / f.p50).toFixed(0)}×` : '–'} |`);
  }
  console.log('\n| whole answer (tx + queries + JSON + timestamps) | p50 / p95 ms |\n|---|---|');
  for (const [name, f] of answerRows) console.log(`| ${name} | ${fmt(f)} |`);
  console.log(
    '\n| JSON body | size | encode ms (p50) | of which escaping XML ms | render timestamps ms | JSON.stringify of the rows ms (reference) |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const line of json) console.log(line);

  await legacy.end();
  await db.close();
}

// Synthetic tenant data (only for --generate): deterministic, no randomness.
const GENERATOR_SQL = `
DO $gen$
DECLARE
  n int := current_setting('bench.n')::int;
  t record;
  m int;
BEGIN
  INSERT INTO er_senderezepte_header (id_senderezepte_header, apo_int_nr, rz_liefer_id)
  SELECT g, 'APO' || (g % 500), 'RZ' || lpad(g::text, 19, '0') FROM generate_series(1, greatest(1, n / 10)) g;
  FOR t IN SELECT * FROM (VALUES ('emuster16', 0.3, 'eMuster16'), ('prezept', 0.1, 'pRezept'), ('erezept', 0.6, 'eRezept')) v(tn, share, tag) LOOP
    m := greatest(1, (n * t.share)::int);
    EXECUTE format($q$INSERT INTO er_senderezepte_%1$s (id_senderezepte_%1$s, id_senderezepte_header, rz_liefer_id, %2$s)
      SELECT g, 1 + (g %% greatest(1, %3$s / 10)), 'RZ' || lpad(g::text, 19, '0'), %4$s FROM generate_series(1, %5$s) g$q$,
      t.tn, CASE t.tn WHEN 'emuster16' THEN 'muster16_id' WHEN 'prezept' THEN 'transaktions_nummer' ELSE 'erezept_id' END, n,
      CASE t.tn WHEN 'emuster16' THEN '160000000000 + g' WHEN 'prezept' THEN '9007199254740993 + g' ELSE '''160.000.'' || lpad(g::text, 9, ''0'')' END, m);
    EXECUTE format($q$INSERT INTO er_senderezepte_%1$s_daten (id_senderezepte_%1$s_daten, id_senderezepte_%1$s, rezept_uuid, transfer_arz, xml_request)
      SELECT g, g, md5('%1$s' || g)::uuid::text,
             CASE WHEN (g::bigint * 7919) %% 100 < 5 THEN false WHEN (g::bigint * 7919) %% 1000 = 500 THEN NULL ELSE true END,
             '<?xml version="1.0" encoding="UTF-8"?><%2$s id="' || g || '">' || repeat('<pos nr="' || (g %% 97) || '" pzn=''0' || (1000000 + g) || '''><name>Ibuprofen 400 &amp; Co. M' || chr(252) || 'ller</name><menge>' || (g %% 7) || '</menge><preis>12.34</preis><hash>' || md5(g::text) || '</hash></pos>', 11) || '</%2$s>'
      FROM generate_series(1, %3$s) g$q$, t.tn, t.tag, m);
    EXECUTE format($q$INSERT INTO er_senderezepte_%1$s_daten (id_senderezepte_%1$s_daten, id_senderezepte_%1$s, rezept_uuid, transfer_arz, xml_request)
      SELECT %3$s + g, g, md5('%1$s-2-' || g)::uuid::text,
             CASE WHEN (g::bigint * 7919) %% 100 < 5 THEN (g %% 2 = 0) WHEN g %% 333 = 0 THEN NULL ELSE true END,
             '<%2$s id="-' || g || '"/>'
      FROM generate_series(1, %3$s) g WHERE g %% 10 < 3$q$, t.tn, t.tag, m);
    EXECUTE format($q$INSERT INTO er_senderezepte_%1$s_status (id_senderezepte_%1$s_status, id_senderezepte_%1$s, rezept_status, abrechen_status, status_abfrage_datum, status_abfrage_zeit %3$s)
      SELECT g, g, (ARRAY['VOR_PRUEFUNG','GELESEN','FEHLER','ABRECHENBAR'])[1 + g %% 4], (ARRAY['VOR_PRUEFUNG','OK','HINWEIS'])[1 + g %% 3],
             CASE WHEN g %% 17 = 0 THEN NULL ELSE date '2025-01-01' + (g %% 300) END,
             CASE WHEN g %% 13 = 0 THEN NULL ELSE time '08:00:00' + make_interval(secs => (g %% 36000) + (g %% 4) * 0.25) END %4$s
      FROM generate_series(1, %2$s) g$q$, t.tn, m,
      CASE WHEN t.tn = 'erezept' THEN ', rezept_check_level' ELSE '' END, CASE WHEN t.tn = 'erezept' THEN ', 0' ELSE '' END);
    EXECUTE format($q$INSERT INTO er_senderezepte_%1$s_status (id_senderezepte_%1$s_status, id_senderezepte_%1$s, rezept_status, abrechen_status, status_abfrage_datum %3$s)
      SELECT %2$s + g, g,
             CASE WHEN (g::bigint * 7919) %% 100 < 5 THEN CASE WHEN (g / 100) %% 20 = 0 THEN 'ABGERECHNET' ELSE 'GELESEN' END
                  WHEN g %% 5 < 3 THEN 'ABGERECHNET' ELSE 'VERARBEITET' END, 'OK', date '2025-06-01' %4$s
      FROM generate_series(1, %2$s) g WHERE g %% 100 < 79$q$, t.tn, m,
      CASE WHEN t.tn = 'erezept' THEN ', rezept_check_level' ELSE '' END, CASE WHEN t.tn = 'erezept' THEN ', 0' ELSE '' END);
  END LOOP;
END $gen$`;

await main();
