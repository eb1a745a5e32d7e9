// The generator at 1000 prescriptions against real PostgreSQL: every edge case the API must survive is
// present (asserted by SQL), the end state of the schema equals loading sql/schema/apoti.sql, and the
// same seed gives byte-identical data through every writer (COPY streams, COPY statements, INSERT).
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPgDatabase } from '../../../src/adapters/postgres/pg-database.js';
import { seedTenant, type TenantSeedReport } from '../../../src/seed/seed-tenant.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg-databases.js';
import { describeWith } from '../../support/needs.js';
import { schemaSignature, tableDigests } from './table-digest.js';

const OPTIONS = { prescriptions: 1000, seed: 42, newShare: 0.05 };
const TYPES = ['emuster16', 'prezept', 'erezept'] as const;

describeWith(['postgres'], 'seedTenant (1000 prescriptions)', () => {
  const dbs: TestDatabase[] = [];
  let fresh: TestDatabase;
  let client: pg.Client;
  let report: TenantSeedReport;

  const q = async <T extends Record<string, unknown>>(sql: string): Promise<T[]> =>
    (await client.query<T>(sql)).rows;
  const one = async (sql: string): Promise<number> => Number(Object.values((await q(sql))[0] ?? {})[0]);

  beforeAll(async () => {
    fresh = await createTestDatabase('seed_fresh');
    dbs.push(fresh);
    const pool = new pg.Pool({ connectionString: fresh.url, max: 2 });
    try {
      report = await seedTenant(pool, OPTIONS);
    } finally {
      await pool.end();
    }
    client = new pg.Client({ connectionString: fresh.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await Promise.all(dbs.map((db) => db.drop()));
  });

  it('loads the planned counts through concurrent COPY streams', () => {
    expect(report.schema).toBe('created');
    expect(report.writer).toBe('copy-streams');
    expect(report.rows).toMatchObject({
      er_senderezepte_emuster16: 300,
      er_senderezepte_prezept: 100,
      er_senderezepte_erezept: 600,
    });
    expect(report.plan.newCounts).toEqual({ emuster16: 15, prezept: 5, erezept: 30 });
  });

  it('ends with the schema of sql/schema/apoti.sql (indexes and foreign keys built after the load)', async () => {
    const reference = await createTestDatabase('seed_reference', ['apoti']);
    dbs.push(reference);
    const ref = new pg.Client({ connectionString: reference.url });
    await ref.connect();
    try {
      expect(await schemaSignature(client)).toBe(await schemaSignature(ref));
    } finally {
      await ref.end();
    }
  });

  it('has new prescriptions of every type, by the legacy predicate (CONTRACT §6.1.2)', async () => {
    for (const t of TYPES) {
      const n = await one(`SELECT count(*) FROM er_senderezepte_${t} h
        WHERE EXISTS (SELECT 1 FROM er_senderezepte_${t}_daten d WHERE d.id_senderezepte_${t} = h.id_senderezepte_${t} AND NOT d.transfer_arz)
          AND NOT EXISTS (SELECT 1 FROM er_senderezepte_${t}_status s WHERE s.id_senderezepte_${t} = h.id_senderezepte_${t} AND s.rezept_status = 'ABGERECHNET')`);
      expect(n, t).toBe(report.plan.newCounts[t]);
    }
  });

  it('has transfer_arz NULL rows, ABGERECHNET rows and untransferred-but-billed heads in every type', async () => {
    for (const t of TYPES) {
      expect(
        await one(`SELECT count(*) FROM er_senderezepte_${t}_daten WHERE transfer_arz IS NULL`),
        t,
      ).toBeGreaterThan(0);
      expect(
        await one(`SELECT count(*) FROM er_senderezepte_${t}_status WHERE rezept_status = 'ABGERECHNET'`),
        t,
      ).toBeGreaterThan(0);
      // heads excluded only by the NULL rule (Q22): no false row, at least one NULL row, no ABGERECHNET
      expect(
        await one(`SELECT count(*) FROM er_senderezepte_${t} h WHERE
          EXISTS (SELECT 1 FROM er_senderezepte_${t}_daten d WHERE d.id_senderezepte_${t} = h.id_senderezepte_${t} AND d.transfer_arz IS NULL)
          AND NOT EXISTS (SELECT 1 FROM er_senderezepte_${t}_daten d WHERE d.id_senderezepte_${t} = h.id_senderezepte_${t} AND d.transfer_arz = false)`),
        t,
      ).toBeGreaterThan(0);
      // heads with an untransferred row that are excluded by an ABGERECHNET status
      expect(
        await one(`SELECT count(*) FROM er_senderezepte_${t} h WHERE
          EXISTS (SELECT 1 FROM er_senderezepte_${t}_daten d WHERE d.id_senderezepte_${t} = h.id_senderezepte_${t} AND d.transfer_arz = false)
          AND EXISTS (SELECT 1 FROM er_senderezepte_${t}_status s WHERE s.id_senderezepte_${t} = h.id_senderezepte_${t} AND s.rezept_status = 'ABGERECHNET')`),
        t,
      ).toBeGreaterThan(0);
    }
  });

  it('has new heads whose lowest daten PK is not the row the API shows, and heads with several open rows', async () => {
    const notFirst = await one(`SELECT count(*) FROM (
        SELECT id_senderezepte_erezept, min(id_senderezepte_erezept_daten) AS lowest,
               min(id_senderezepte_erezept_daten) FILTER (WHERE transfer_arz = false) AS lowest_open
          FROM er_senderezepte_erezept_daten GROUP BY 1) x WHERE lowest_open IS NOT NULL AND lowest_open <> lowest`);
    expect(notFirst).toBeGreaterThan(0);
    const severalOpen = await one(`SELECT count(*) FROM (SELECT 1 FROM er_senderezepte_erezept_daten
        WHERE transfer_arz = false GROUP BY id_senderezepte_erezept HAVING count(*) > 1) x`);
    expect(severalOpen).toBeGreaterThan(0);
  });

  it('has heads whose oldest status row differs from the newest (Q8), and status times with fractions and NULLs', async () => {
    for (const t of TYPES) {
      const q8 = await one(`SELECT count(*) FROM (
          SELECT (array_agg(rezept_status ORDER BY id_senderezepte_${t}_status))[1] AS oldest,
                 (array_agg(rezept_status ORDER BY id_senderezepte_${t}_status DESC))[1] AS newest
            FROM er_senderezepte_${t}_status GROUP BY id_senderezepte_${t} HAVING count(*) >= 2) x
          WHERE oldest IS DISTINCT FROM newest`);
      expect(q8, t).toBeGreaterThan(0);
    }
    const times = await q<{ frac: string; whole: string; no_date: string; no_time: string }>(`SELECT
        count(*) FILTER (WHERE status_abfrage_zeit::text LIKE '%.%') AS frac,
        count(*) FILTER (WHERE status_abfrage_zeit::text NOT LIKE '%.%') AS whole,
        count(*) FILTER (WHERE status_abfrage_datum IS NULL) AS no_date,
        count(*) FILTER (WHERE status_abfrage_zeit IS NULL) AS no_time
      FROM er_senderezepte_erezept_status`);
    for (const v of Object.values(times[0] ?? {})) expect(Number(v)).toBeGreaterThan(0);
  });

  it('has muster16_id and transaktions_nummer values above 2^53 next to typical ones', async () => {
    expect(
      await one(`SELECT count(*) FROM er_senderezepte_emuster16 WHERE muster16_id > 9007199254740992`),
    ).toBeGreaterThan(0);
    expect(
      await one(`SELECT count(*) FROM er_senderezepte_emuster16 WHERE muster16_id < 1000000000000`),
    ).toBeGreaterThan(0);
    expect(
      await one(`SELECT count(*) FROM er_senderezepte_prezept WHERE transaktions_nummer > 9007199254740992`),
    ).toBeGreaterThan(0);
    expect(
      await one(`SELECT count(*) FROM er_senderezepte_prezept WHERE transaktions_nummer < 100000000000000`),
    ).toBeGreaterThan(0);
    // the newest new eMuster16 (first item of page 1) is one of them
    expect(
      await one(
        `SELECT muster16_id > 9007199254740992 FROM er_senderezepte_emuster16 WHERE id_senderezepte_emuster16 = ${report.plan.newestNew.emuster16}`,
      ),
    ).toBe(1);
  });

  it('has UUIDs in two type tables, including the first open rows of two new heads (Q10)', async () => {
    expect(
      await one(
        `SELECT count(*) FROM er_senderezepte_emuster16_daten m JOIN er_senderezepte_erezept_daten e USING (rezept_uuid)`,
      ),
    ).toBeGreaterThan(1);
    const both = await one(`
      WITH em AS (SELECT DISTINCT ON (id_senderezepte_emuster16) rezept_uuid FROM er_senderezepte_emuster16_daten
                   WHERE transfer_arz = false ORDER BY id_senderezepte_emuster16, id_senderezepte_emuster16_daten),
           er AS (SELECT DISTINCT ON (id_senderezepte_erezept) rezept_uuid FROM er_senderezepte_erezept_daten
                   WHERE transfer_arz = false ORDER BY id_senderezepte_erezept, id_senderezepte_erezept_daten)
      SELECT count(*) FROM em JOIN er USING (rezept_uuid)`);
    expect(both).toBeGreaterThan(0);
  });

  it('has XML of 1–50 KB with umlauts, &amp; and raw &, <, quotes, control and non-BMP characters', async () => {
    const sizes = await q<{
      min: number;
      max: number;
      avg: number;
    }>(`SELECT min(octet_length(xml_request)) AS min,
        max(octet_length(xml_request)) AS max, avg(octet_length(xml_request))::int AS avg
      FROM (SELECT xml_request FROM er_senderezepte_emuster16_daten UNION ALL SELECT xml_request FROM er_senderezepte_prezept_daten
            UNION ALL SELECT xml_request FROM er_senderezepte_erezept_daten) x`);
    expect(sizes[0]?.min).toBeGreaterThanOrEqual(1024);
    expect(sizes[0]?.max).toBeLessThanOrEqual(50 * 1024);
    expect(sizes[0]?.avg).toBeGreaterThan(1500);
    expect(sizes[0]?.avg).toBeLessThan(3000);
    const patterns: Record<string, string> = {
      umlauts: `xml_request ~ '[äöüß]'`,
      ampEntity: `strpos(xml_request, '&amp;') > 0`,
      rawAmp: `xml_request ~ '&(?!amp;|lt;|gt;|quot;|apos;)'`,
      lessThan: `strpos(xml_request, 'Dosis < 5') > 0`,
      quote: `strpos(xml_request, '"') > 0`,
      apostrophe: `strpos(xml_request, '''') > 0`,
      plus: `strpos(xml_request, '+') > 0`,
      backtick: `strpos(xml_request, '\`') > 0`,
      backslash: `strpos(xml_request, E'\\\\') > 0`,
      tab: `strpos(xml_request, E'\\t') > 0`,
      crlf: `strpos(xml_request, E'\\r\\n') > 0`,
      control: `xml_request ~ '[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]'`,
      nonBmp: `(strpos(xml_request, '😀') > 0 OR strpos(xml_request, '𝔸') > 0)`,
    };
    for (const t of TYPES) {
      for (const [name, predicate] of Object.entries(patterns)) {
        expect(
          await one(`SELECT count(*) FROM er_senderezepte_${t}_daten WHERE ${predicate}`),
          `${t} ${name}`,
        ).toBeGreaterThan(0);
      }
    }
  });

  it('spreads new heads over the id range and keeps the 30/10/60 split', async () => {
    const rows = await q<{ lo: string; hi: string }>(`SELECT
        count(*) FILTER (WHERE id_senderezepte_erezept <= 200) AS lo, count(*) FILTER (WHERE id_senderezepte_erezept > 400) AS hi
      FROM er_senderezepte_erezept h WHERE EXISTS (SELECT 1 FROM er_senderezepte_erezept_daten d
        WHERE d.id_senderezepte_erezept = h.id_senderezepte_erezept AND NOT d.transfer_arz)`);
    expect(Number(rows[0]?.lo)).toBeGreaterThan(0);
    expect(Number(rows[0]?.hi)).toBeGreaterThan(0);
  });

  it('has pharmacies with umlauts and NULL columns, and moves sequences past the loaded ids', async () => {
    expect(await one(`SELECT count(*) FROM er_apotheke WHERE apotheke_name ~ '[äöüß]'`)).toBeGreaterThan(0);
    expect(await one(`SELECT count(*) FROM er_apotheke WHERE ort IS NULL AND plz IS NULL`)).toBeGreaterThan(
      0,
    );
    const next = await one(
      `SELECT nextval(pg_get_serial_sequence('er_senderezepte_erezept_daten', 'id_senderezepte_erezept_daten'))`,
    );
    expect(next).toBe(
      (await one(`SELECT max(id_senderezepte_erezept_daten) FROM er_senderezepte_erezept_daten`)) + 1,
    );
    const statusNext = await one(
      `SELECT nextval('er_senderezepte_erezept_statu_id_senderezepte_erezept_statu_seq')`,
    );
    expect(statusNext).toBe(
      (await one(`SELECT max(id_senderezepte_erezept_status) FROM er_senderezepte_erezept_status`)) + 1,
    );
  });

  it('refuses to seed a database that already holds data', async () => {
    await expect(seedTenant(client, OPTIONS)).rejects.toThrow(/already holds data/);
  });

  it('gives byte-identical data for the same seed through COPY statements and INSERT, and other data for another seed', async () => {
    const expected = await tableDigests(client);
    // existing schema + one pg client: COPY per batch with foreign keys in place
    const viaClient = await createTestDatabase('seed_client', ['apoti']);
    dbs.push(viaClient);
    const c = new pg.Client({ connectionString: viaClient.url });
    await c.connect();
    try {
      const r = await seedTenant(c, OPTIONS);
      expect(r.writer).toBe('copy-statements');
      expect(await tableDigests(c)).toEqual(expected);
    } finally {
      await c.end();
    }
    // the SqlDatabase port without a pool behind it (as PGlite would be): multi-row INSERT
    const viaPort = await createTestDatabase('seed_insert');
    dbs.push(viaPort);
    const pgDb = createPgDatabase({ connectionString: viaPort.url, max: 2 });
    try {
      const portOnly = { query: pgDb.query, transaction: pgDb.transaction, close: pgDb.close };
      const r = await seedTenant(portOnly, OPTIONS);
      expect(r.writer).toBe('insert');
      const check = new pg.Client({ connectionString: viaPort.url });
      await check.connect();
      try {
        expect(await tableDigests(check)).toEqual(expected);
      } finally {
        await check.end();
      }
    } finally {
      await pgDb.close();
    }
    // another seed differs
    const other = await createTestDatabase('seed_other');
    dbs.push(other);
    const pool = new pg.Pool({ connectionString: other.url, max: 2 });
    try {
      await seedTenant(pool, { ...OPTIONS, seed: 43 });
      const check = new pg.Client({ connectionString: other.url });
      await check.connect();
      try {
        expect((await tableDigests(check)).er_senderezepte_erezept_daten).not.toBe(
          expected.er_senderezepte_erezept_daten,
        );
      } finally {
        await check.end();
      }
    } finally {
      await pool.end();
    }
  }, 120_000);
});
