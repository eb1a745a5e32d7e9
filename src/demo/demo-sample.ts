// Picks the prescription the demo's printed PATCH marks as transferred: one the user actually sees on
// page 1 of GET /v2/rezept?pageSize=5, asked of the emulator directly (so the proxy's cache stays cold
// for the user's first request), whose UUID exists only once in the tenant, so it really disappears.
import type { SqlExecutor } from '../core/sql-port.js';

export const DEMO_PAGE_SIZE = 5;

export interface DemoSample {
  readonly rezeptUuid: string;
  /** As the list shows it (eMuster16, P-Rezept, E-Rezept); the PATCH accepts it unchanged. */
  readonly type: string;
  /** New prescriptions of the tenant (totalCount of the list). */
  readonly totalCount: number;
}

interface ListBody {
  prescriptions: Array<{ rezeptUuid: string | null; type: string }>;
  totalCount: number;
}

export function basicAuthorization(login: string, password: string): string {
  return `Basic ${Buffer.from(`${login}:${password}`, 'utf8').toString('base64')}`;
}

// Generated data shares some UUIDs between an eMuster16 and an E-Rezept on purpose (quirk Q10): marking
// one of them would leave the other in the list.
const UUID_COUNT_SQL = `SELECT (SELECT count(*) FROM er_senderezepte_emuster16_daten WHERE rezept_uuid = $1)
  + (SELECT count(*) FROM er_senderezepte_prezept_daten WHERE rezept_uuid = $1)
  + (SELECT count(*) FROM er_senderezepte_erezept_daten WHERE rezept_uuid = $1) AS n`;

export async function pickDemoSample(options: {
  readonly legacyUrl: string;
  readonly login: string;
  readonly password: string;
  readonly tenantDb: SqlExecutor;
}): Promise<DemoSample> {
  const response = await fetch(`${options.legacyUrl}/v2/rezept?pageSize=${DEMO_PAGE_SIZE}`, {
    headers: { Authorization: basicAuthorization(options.login, options.password) },
  });
  if (response.status !== 200) {
    throw new Error(`demo: the emulator answered GET /v2/rezept with ${response.status}`);
  }
  const body = (await response.json()) as ListBody;
  for (const item of body.prescriptions) {
    if (item.rezeptUuid === null) continue;
    const { rows } = await options.tenantDb.query<{ n: string }>(UUID_COUNT_SQL, [item.rezeptUuid]);
    if (rows[0]?.n === '1')
      return { rezeptUuid: item.rezeptUuid, type: item.type, totalCount: body.totalCount };
  }
  throw new Error('demo: page 1 of the new prescriptions has no item with a unique UUID');
}
