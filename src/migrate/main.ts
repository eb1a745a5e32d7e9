// CLI: npm run migrate -- [--management-url <url|npgsql>] [--dry-run] [--down <NNN_name>] [--only management|tenant]
// Applies sql/migrations/{management,tenant}/ to the management DB and every tenant DB it lists.
// Prints host:port/database only (never credentials); exits 1 if any database failed or was unreachable.
import { parseArgs } from 'node:util';
import type { DatabaseReport } from './apply-migrations.js';
import { runMigrations } from './run-migrations.js';

const USAGE = `usage: npm run migrate -- [options]
  --management-url <s>   management (ArzSw) DB as postgres:// URL or Npgsql keyword string
                         (default: $ARZSW_DATABASE_URL)
  --dry-run              print per database which migrations would run; change nothing
  --down <NNN_name>      revert that migration (its .down.sql) where it is applied
  --only <scope>         management | tenant
  --dir <path>           migrations root holding management/ and tenant/ (default: sql/migrations)
  --help`;

function summary(d: DatabaseReport): string {
  const parts: string[] = [];
  if (d.applied.length > 0) parts.push(`${d.dryRun ? 'would apply' : 'applied'} ${d.applied.join(', ')}`);
  if (d.reverted.length > 0) parts.push(`${d.dryRun ? 'would revert' : 'reverted'} ${d.reverted.join(', ')}`);
  if (parts.length === 0 && d.status === 'ok')
    parts.push(`up to date (${d.upToDate.length} applied earlier)`);
  const status = d.status === 'ok' ? '' : `${d.status.toUpperCase()}: `;
  return `${d.scope.padEnd(10)} ${d.target}: ${status}${parts.join('; ')}${d.errors.length ? ` ${d.errors.join('; ')}` : ''}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'management-url': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      down: { type: 'string' },
      only: { type: 'string' },
      dir: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const management = values['management-url'] ?? process.env.ARZSW_DATABASE_URL;
  if (!management) throw new Error('no management database: pass --management-url or set ARZSW_DATABASE_URL');
  if (values.only !== undefined && values.only !== 'management' && values.only !== 'tenant') {
    throw new Error('--only must be management or tenant');
  }
  const report = await runMigrations({
    management,
    dryRun: values['dry-run'],
    down: values.down,
    only: values.only,
    migrationsDir: values.dir,
    log: (line) => console.log(`  ${line}`),
  });
  console.log('');
  for (const d of report.databases) {
    console.log(summary(d));
    for (const w of d.warnings) console.log(`           warning: ${w}`);
  }
  console.log(report.ok ? '\nmigrations ok' : '\nmigrations FAILED for at least one database');
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`migrate failed: ${err instanceof Error ? err.message : String(err)}`);
    console.error(USAGE);
    process.exit(1);
  },
);
