// Facts about the shared backends the benchmark needs: PostgreSQL and Redis versions, the CPU time of the
// PostgreSQL backends serving the benchmark databases (other sessions on the shared server excluded) and
// of Redis, and a settle step between runs (abandoned slow legacy work would skew the next run).
import { Redis } from 'ioredis';
import pg from 'pg';
import { cpuMs } from './proc-stats.js';

export async function postgresVersion(adminUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (
      (await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]?.v ?? '?'
    );
  } finally {
    await client.end();
  }
}

export interface RedisInfo {
  readonly version: string;
  readonly pid: number | undefined;
}

export async function redisInfo(url: string): Promise<RedisInfo> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  try {
    await redis.connect();
    const text = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(text)?.[1] ?? '?';
    const pid = Number(/process_id:(\d+)/.exec(text)?.[1]);
    return { version, pid: Number.isInteger(pid) && pid > 0 ? pid : undefined };
  } catch (err) {
    return { version: `unreachable (${(err as Error).message})`, pid: undefined };
  } finally {
    redis.disconnect();
  }
}

/** CPU ms per backend process connected to the given databases (pid → own user+system time). */
export async function backendCpuMs(
  client: pg.Client,
  databases: readonly string[],
): Promise<Map<number, number>> {
  const { rows } = await client.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()',
    [databases],
  );
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = cpuMs(pid);
    if (Number.isFinite(ms)) out.set(pid, ms);
  }
  return out;
}

/**
 * CPU ms the backends spent between two snapshots: backends present in `after` count from their
 * `before` value (or fully when new). Backends that ended in between are lost (the pools of the
 * emulator and the proxies keep theirs, so this is rare); other sessions on the server never count.
 */
export function backendCpuDelta(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
): number {
  let ms = 0;
  for (const [pid, value] of after) ms += value - (before.get(pid) ?? 0);
  return ms;
}

export interface SettleResult {
  readonly waitedMs: number;
  /** Statements of abandoned requests still running after the grace period, cancelled. */
  readonly cancelled: number;
  /** The processes under test were still busy at the deadline. */
  readonly busy: boolean;
}

/**
 * Before a run: waits until no statement runs on the benchmark databases and the processes under test
 * are idle (≤ 30 ms CPU over 200 ms together). A slow legacy keeps working on the requests the previous
 * run abandoned, which would be charged to the next run; after `graceMs` the statements still running
 * on the benchmark's own databases (nobody waits for their answers) are cancelled. Gives up at maxWaitMs.
 */
export async function settle(
  client: pg.Client,
  databases: readonly string[],
  processCpuMs: () => number,
  options: { graceMs: number; maxWaitMs: number },
): Promise<SettleResult> {
  const started = performance.now();
  const filter = `datname = ANY($1) AND state = 'active' AND pid <> pg_backend_pid()
                  AND backend_type = 'client backend' AND query NOT ILIKE 'LISTEN%'`;
  let cancelled = 0;
  while (performance.now() - started < options.maxWaitMs) {
    const cpu0 = processCpuMs();
    await new Promise((r) => setTimeout(r, 200));
    const cpuBusy = processCpuMs() - cpu0 > 30;
    const active =
      (
        await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${filter}`, [
          databases,
        ])
      ).rows[0]?.n ?? 0;
    if (!cpuBusy && active === 0) return { waitedMs: performance.now() - started, cancelled, busy: false };
    if (active > 0 && performance.now() - started > options.graceMs) {
      const result = await client.query(
        `SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE ${filter}`,
        [databases],
      );
      cancelled += result.rowCount ?? 0;
    }
  }
  return { waitedMs: performance.now() - started, cancelled, busy: true };
}
