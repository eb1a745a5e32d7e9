// Fills one tenant (ApoTi) database with generated data: schema if absent (tables first, indexes and
// foreign keys after the load), pharmacies, headers, heads/daten/status of all three types, sequences,
// VACUUM/ANALYZE. Refuses a database that already holds prescription data.
import { createCopyWriter } from './copy-writer.js';
import { createInsertWriter } from './insert-writer.js';
import { prescriptionBatches } from './prescription-rows.js';
import type { RowWriter } from './row-writer.js';
import { runStatements, schemaPhases } from './schema-loader.js';
import { normaliseTarget, type NormalisedTarget, type SeedTarget } from './seed-target.js';
import { syncSequences } from './sequences.js';
import { apothekeRows, headerRows } from './static-rows.js';
import { planTenant, type TenantPlan, type TenantPlanOptions } from './tenant-plan.js';
import { APOTHEKE, HEADER, PRESCRIPTION_TYPES, typeTables } from './tenant-tables.js';

export interface SeedTenantOptions extends TenantPlanOptions {
  /** 'copy' needs node-postgres underneath; default: copy when available, else insert. */
  writer?: 'copy' | 'insert';
  /** Heads generated per batch (default 2000). */
  batchHeads?: number;
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
}

export interface TenantSeedReport {
  plan: TenantPlan;
  /** 'created': schema loaded by the seeder (deferred indexes); 'existing': schema was there. */
  schema: 'created' | 'existing';
  writer: 'copy-streams' | 'copy-statements' | 'insert';
  rows: Record<string, number>;
  durationMs: number;
}

const TENANT_DATA_TABLES = [
  'er_apotheke',
  'er_senderezepte_header',
  ...PRESCRIPTION_TYPES.flatMap((t) => [
    `er_senderezepte_${t}`,
    `er_senderezepte_${t}_daten`,
    `er_senderezepte_${t}_status`,
  ]),
];

export async function seedTenant(target: SeedTarget, options: SeedTenantOptions): Promise<TenantSeedReport> {
  // The clock is read for the report only; no generated value depends on it.
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const plan = planTenant(options);
  const db = normaliseTarget(target);

  const present = await db.query<{ present: boolean }>(
    `SELECT to_regclass('public.er_senderezepte_header') IS NOT NULL AS present`,
  );
  const schema = present.rows[0]?.present ? 'existing' : 'created';
  const phases = schemaPhases('apoti');
  if (schema === 'created') {
    await runStatements(db, phases.tables);
  } else {
    await assertEmpty(db);
  }

  const { writer, kind } = chooseWriter(db, options.writer, schema);
  const rows: Record<string, number> = {};
  const count = (table: string, n: number) => {
    rows[table] = (rows[table] ?? 0) + n;
  };
  const guarded = async (fn: () => Promise<void>) => {
    try {
      await fn();
      await writer.finish();
    } catch (err) {
      await writer.finish().catch(() => undefined);
      throw err;
    }
  };

  await guarded(async () => {
    const apotheken = apothekeRows(plan);
    await writer.write(APOTHEKE, apotheken);
    count(APOTHEKE.name, apotheken.length);
    for (let from = 1; from <= plan.headerCount; from += 10_000) {
      const headers = headerRows(plan, from, Math.min(plan.headerCount, from + 9_999));
      await writer.write(HEADER, headers);
      count(HEADER.name, headers.length);
    }
  });
  // The three types are generated side by side (the one furthest behind goes next), so that in
  // "streams" mode the big daten tables of different types load on different server processes.
  await guarded(async () => {
    const progress = PRESCRIPTION_TYPES.map((type) => ({
      type,
      tables: typeTables(type),
      batches: prescriptionBatches(plan, type, options.batchHeads ?? 2000),
      done: 0,
      total: plan.counts[type],
    })).filter((p) => p.total > 0);
    const totalHeads = progress.reduce((sum, p) => sum + p.total, 0);
    let loaded = 0;
    let nextLog = 100_000;
    while (progress.length > 0) {
      progress.sort((a, b) => a.done / a.total - b.done / b.total);
      const current = progress[0] as (typeof progress)[number];
      const next = current.batches.next();
      if (next.done) {
        progress.shift();
        continue;
      }
      const batch = next.value;
      await writer.write(current.tables.head, batch.heads);
      await writer.write(current.tables.daten, batch.daten);
      await writer.write(current.tables.status, batch.status);
      count(current.tables.head.name, batch.heads.length);
      count(current.tables.daten.name, batch.daten.length);
      count(current.tables.status.name, batch.status.length);
      current.done += batch.heads.length;
      loaded += batch.heads.length;
      if (loaded >= nextLog) {
        log(`  ${loaded}/${totalHeads} prescriptions generated (${seconds(started)} s)`);
        nextLog += 100_000;
      }
    }
  });
  log(
    `  ${plan.counts.emuster16 + plan.counts.prezept + plan.counts.erezept} prescriptions loaded (${seconds(started)} s)`,
  );

  await db.session(async (exec) => {
    if (schema === 'created') {
      // More sort memory for the index builds on node-postgres sessions; the previous value is restored
      // because the connection may belong to the caller's pool. The server configuration is not touched.
      const previous = db.acquire
        ? (await exec.query<{ v: string }>(`SELECT current_setting('maintenance_work_mem') AS v`)).rows[0]?.v
        : undefined;
      if (previous !== undefined) await exec.query(`SET maintenance_work_mem = '512MB'`);
      try {
        await runStatements(exec, phases.deferred);
      } finally {
        if (previous !== undefined)
          await exec.query(`SELECT set_config('maintenance_work_mem', $1, false)`, [previous]);
      }
      log(`  indexes and foreign keys built (${seconds(started)} s)`);
    }
    await syncSequences(exec);
  });
  // On a PostgreSQL server also VACUUM: a freshly loaded table has no visibility map, so index-only scans
  // fetch every heap row and the planner avoids the partial indexes until autovacuum has run — the state
  // a production database, vacuumed by autovacuum, is never in. (PGlite, for the demo, only analyses.)
  await db.query(kind === 'insert' ? 'ANALYZE' : 'VACUUM (ANALYZE)');
  log(`  ${kind === 'insert' ? 'analyzed' : 'vacuumed and analyzed'} (${seconds(started)} s)`);
  return { plan, schema, writer: kind, rows, durationMs: Math.round(performance.now() - started) };
}

function chooseWriter(
  db: NormalisedTarget,
  wanted: SeedTenantOptions['writer'],
  schema: 'created' | 'existing',
): { writer: RowWriter; kind: TenantSeedReport['writer'] } {
  if (wanted === 'insert' || !db.acquire) {
    if (wanted === 'copy') throw new Error('COPY needs a node-postgres pool or client');
    return { writer: createInsertWriter(db), kind: 'insert' };
  }
  // Concurrent COPY streams only while no foreign keys exist (a child row may arrive before its parent);
  // each stream gets a connection of its own so a small pool cannot starve them.
  const streams = schema === 'created' && db.dedicated !== undefined;
  const mode = streams ? 'streams' : 'statements';
  return {
    writer: createCopyWriter({ acquire: streams && db.dedicated ? db.dedicated : db.acquire, mode }),
    kind: mode === 'streams' ? 'copy-streams' : 'copy-statements',
  };
}

async function assertEmpty(db: NormalisedTarget): Promise<void> {
  const probes = TENANT_DATA_TABLES.map((t) => `(SELECT count(*) FROM (SELECT 1 FROM ${t} LIMIT 1) x)`);
  const { rows } = await db.query<{ n: string | number }>(`SELECT ${probes.join(' + ')} AS n`);
  if (Number(rows[0]?.n ?? 0) > 0) {
    throw new Error('the tenant database already holds data; seed an empty database (CLI: --reset)');
  }
}

function seconds(started: number): string {
  return ((performance.now() - started) / 1000).toFixed(1);
}
