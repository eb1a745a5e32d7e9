// CLI: npm run seed -- --admin-url <url> --prefix edge_demo --tenants 2 --prescriptions 1000 --seed 42
// Creates (or, with --reset, re-creates) the management DB and N tenant DBs and fills them with
// deterministic generated data. Prints the management DB URL (no password) and the demo users.
import { parseArgs } from 'node:util';
import { seedDatabases } from './seed-databases.js';

const USAGE = `usage: npm run seed -- [options]
  --admin-url <url>        postgres:// URL with CREATE DATABASE rights
                           (default $ARZTI_SEED_ADMIN_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --prefix <name>          database name prefix (default edge_demo): <prefix>_arzsw, <prefix>_apoti_<k>
  --tenants <n>            number of tenant databases (default 2)
  --tenant-db <name>       explicit tenant database name; repeat once per tenant (overrides --prefix naming)
  --management-db <name>   explicit management database name
  --prescriptions <n>      prescription heads per tenant database (default 1000)
  --new-share <0..1>       share of "new" prescriptions (default 0.05)
  --seed <int>             PRNG seed (default 42); the same seed gives the same data
  --batch <n>              heads per generated batch (default 2000)
  --reset                  drop and re-create the databases first
  --help`;

function numberOption(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'admin-url': { type: 'string' },
      prefix: { type: 'string' },
      tenants: { type: 'string' },
      'tenant-db': { type: 'string', multiple: true },
      'management-db': { type: 'string' },
      prescriptions: { type: 'string' },
      'new-share': { type: 'string' },
      seed: { type: 'string' },
      batch: { type: 'string' },
      reset: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const prefix = values.prefix ?? 'edge_demo';
  const explicitTenants = values['tenant-db'] ?? [];
  const tenantCount = numberOption(values.tenants, explicitTenants.length || 2, 'tenants');
  if (!Number.isInteger(tenantCount) || tenantCount < 1)
    throw new Error('--tenants must be a positive integer');
  if (explicitTenants.length > 0 && explicitTenants.length !== tenantCount) {
    throw new Error('give --tenant-db once per tenant (or leave --tenants out)');
  }
  const tenantDbs =
    explicitTenants.length > 0
      ? explicitTenants
      : Array.from({ length: tenantCount }, (_, i) => `${prefix}_apoti_${i + 1}`);
  const prescriptions = numberOption(values.prescriptions, 1000, 'prescriptions');
  const seed = numberOption(values.seed, 42, 'seed');
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');

  const started = performance.now();
  const report = await seedDatabases({
    adminUrl:
      values['admin-url'] ??
      process.env.ARZTI_SEED_ADMIN_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
    managementDb: values['management-db'] ?? `${prefix}_arzsw`,
    tenantDbs,
    prescriptions,
    newShare: numberOption(values['new-share'], 0.05, 'new-share'),
    seed,
    reset: values.reset,
    batchHeads: values.batch === undefined ? undefined : numberOption(values.batch, 2000, 'batch'),
    log: (line) => console.log(line),
  });

  console.log('');
  console.log(`management DB: ${report.managementUrl}`);
  for (const t of report.tenants) {
    const r = t.report;
    const newTotal = r.plan.newCounts.emuster16 + r.plan.newCounts.prezept + r.plan.newCounts.erezept;
    console.log(
      `tenant DB ${t.name}: ${prescriptions} prescriptions (${r.plan.counts.emuster16} eMuster16, ` +
        `${r.plan.counts.prezept} P-Rezept, ${r.plan.counts.erezept} E-Rezept), ${newTotal} new, seed ${t.seed}, ` +
        `${(r.durationMs / 1000).toFixed(1)} s`,
    );
  }
  console.log('');
  console.log('users (demo test data; passwords shown on purpose):');
  for (const u of report.management.users) {
    console.log(
      `  ${u.login.padEnd(22)} password ${JSON.stringify(u.password).padEnd(29)} ${u.kind.padEnd(21)} ` +
        `${u.databaseName}  — ${u.note}`,
    );
  }
  console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`seed failed: ${err instanceof Error ? err.message : String(err)}`);
    console.error(USAGE);
    process.exit(1);
  },
);
