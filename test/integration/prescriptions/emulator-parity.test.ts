// Cross-check with the legacy emulator (which issues the EF Core query shapes): for the requests the fast
// path decides to answer, its status, Content-Type and body must equal the emulator's byte for byte
// once the "now" timestamps are blanked; requests it forwards are not compared.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderSplicedChunk, type SplicedChunk } from '../../../src/prescriptions/spliced-body.js';
import { answerV2Read } from '../../../src/prescriptions/v2-fast-answer.js';
import { decideV2Read, type V2ReadEndpoint } from '../../../src/prescriptions/v2-request.js';
import {
  insertPrescriptions,
  startLegacyFixture,
  type LegacyFixture,
} from '../../support/emulator-fixtures.js';
import { describeWith } from '../../support/needs.js';
import { applyFastPathMigration, edgeCases } from './edge-cases.js';

const TS = /"(deliveryTimestamp|responseTimestamp)":"[^"]*"/g;
const blank = (body: string) => body.replace(TS, '"$1":"<now>"');

let legacy: LegacyFixture;

interface Probe {
  endpoint: V2ReadEndpoint;
  path: string;
  query: string;
  headers?: Record<string, string>;
  body?: string;
}

const probes: readonly Probe[] = [
  ...[
    '',
    'page=1&pageSize=100',
    'page=2&pageSize=10',
    'PAGE=3&PageSize=7&type=e-rezept',
    'type=eMuster16&pageSize=5',
    'type=P-Rezept&page=4&pageSize=3',
    'type=unknown&page=-1&pageSize=-1',
    'pageSize=0&page=0',
    'pageSize=1&page=40',
    'pageSize=100000',
    'page=2&page=1&pagesize=4',
    'type=&pageSize=2',
  ].map((query): Probe => ({ endpoint: 'list', path: '/v2/rezept', query })),
  { endpoint: 'pharmacy-list', path: '/v2/rezept/status', query: 'pharmacyId=42&pageSize=4' },
  {
    endpoint: 'list',
    path: '/v2/rezept',
    query: 'pageSize=2',
    headers: { accept: 'application/json, text/plain, */*' },
  },
  ...[
    '{"rezeptUuids":["em-100-b","em-100-c","shared-uuid","nope","em-100-b","pr-131","er-103"]}',
    '{"rezeptUuids":[]}',
    '{}',
    JSON.stringify({ rezeptUuids: Array.from({ length: 1001 }, (_, i) => `u${i}`) }),
    '{"rezeptUuids":["x\\"<>&\'+`é😀"]}',
  ].flatMap((body) =>
    ([{}, { accept: 'application/json' }] as Record<string, string>[]).map((accept): Probe => ({
      endpoint: 'statusuuid',
      path: '/v2/rezept/statusuuid',
      query: '',
      headers: { 'content-type': 'application/json', ...accept },
      body,
    })),
  ),
];

describeWith(['postgres'], 'fast path vs legacy emulator', () => {
  beforeAll(async () => {
    legacy = await startLegacyFixture({ prefix: 'fastparity' });
    await insertPrescriptions(
      legacy.tenantDb,
      (['eMuster16', 'P-Rezept', 'E-Rezept'] as const).flatMap(edgeCases),
    );
    await applyFastPathMigration(legacy.tenant.url);
  });

  afterAll(async () => {
    await legacy?.close();
  });

  it.each(probes.map((p) => [`${p.endpoint} ${p.query || p.body?.slice(0, 60) || ''}`, p] as const))(
    '%s',
    async (_name, probe) => {
      const headers = { authorization: legacy.auth, ...probe.headers };
      const decision = decideV2Read(
        {
          endpoint: probe.endpoint,
          method: probe.endpoint === 'statusuuid' ? 'PATCH' : 'GET',
          rawQuery: probe.query,
          headers,
          body: probe.body === undefined ? undefined : Buffer.from(probe.body),
          hasConnectionString: true,
        },
        { maxPageSize: legacy.emulator.settings.maxPageSize, maxBulkSize: 1000 },
      );
      expect(decision.kind).toBe('answer');
      if (decision.kind !== 'answer') return;

      const res = await fetch(`${legacy.url}${probe.path}${probe.query ? `?${probe.query}` : ''}`, {
        method: probe.endpoint === 'statusuuid' ? 'PATCH' : 'GET',
        headers,
        body: probe.body,
      });
      const legacyBody = await res.text();

      // Default batching (one statement) and tiny batches (keyset continuation in one snapshot).
      for (const batchRows of [1000, 3]) {
        const answer = await answerV2Read(legacy.tenantDb, decision.query, {
          environment: legacy.emulator.settings.environmentValue,
          batchRows,
          chunkBytes: 1024,
        });
        const chunks: SplicedChunk[] = [];
        for await (const c of answer.chunks) chunks.push(c);
        const ours = Buffer.concat(chunks.map((c) => renderSplicedChunk(c, () => 'T'))).toString('utf8');

        expect({ batchRows, status: answer.status, type: answer.contentType, body: blank(ours) }).toEqual({
          batchRows,
          status: res.status,
          type: res.headers.get('content-type'),
          body: blank(legacyBody),
        });
      }
    },
  );
});
