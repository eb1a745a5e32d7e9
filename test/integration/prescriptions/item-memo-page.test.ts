// The item memo on real PostgreSQL: a page assembled from kept items is byte for byte the page read inline,
// re-reads are hits, and every change of anything an item is made of (status row, document, head field, a
// new oldest status row, a transferred daten row) is seen at the next read. An item that changes between the
// memo's two statements makes the page fall back to one inline read. Answers go through answerV2Read with a
// fixed clock, as the executors call it.
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SqlDatabase, SqlExecutor } from '../../../src/core/sql-port.js';
import { FAST_SQL } from '../../../src/prescriptions/fast-sql.js';
import { ItemMemo } from '../../../src/prescriptions/item-memo.js';
import type { PrescriptionType } from '../../../src/prescriptions/prescription-types.js';
import {
  renderSplicedChunk,
  utcTimestamps,
  type SplicedChunk,
} from '../../../src/prescriptions/spliced-body.js';
import { answerV2Read } from '../../../src/prescriptions/v2-fast-answer.js';
import type { V2ListQuery } from '../../../src/prescriptions/v2-request.js';
import { insertPrescriptions } from '../../support/emulator-fixtures.js';
import { describeWith } from '../../support/needs.js';
import type { TestDatabase } from '../../support/pg-databases.js';
import { edgeCaseTenant } from './edge-cases.js';

const ALL: PrescriptionType[] = ['eMuster16', 'P-Rezept', 'E-Rezept'];
const SELECTIONS: PrescriptionType[][] = [ALL, ['eMuster16'], ['E-Rezept']];

let testDb: TestDatabase;
let db: SqlDatabase & { pool: pg.Pool };

const list = (types: PrescriptionType[], pageSize: number, page = 1): V2ListQuery => ({
  op: 'list',
  types,
  page,
  pageSize,
  offset: (page - 1) * pageSize,
});

async function body(chunks: readonly SplicedChunk[] | AsyncIterable<SplicedChunk>): Promise<string> {
  // Every timestamp the same instant: pages compare byte for byte.
  const next = utcTimestamps(() => 638_700_000_000_000_000n);
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(renderSplicedChunk(chunk, next));
  return Buffer.concat(parts).toString('latin1');
}

/** The page as answered inline (no memo) and with `memo`. */
async function both(database: SqlDatabase, query: V2ListQuery, memo: ItemMemo) {
  const settings = { environment: 'Test' };
  const inline = await answerV2Read(database, query, settings);
  const scope = memo.scope('tenant');
  const kept = await answerV2Read(database, query, settings, { itemMemo: { memo, scope } });
  return { inline: await body(inline.chunks), kept: await body(kept.chunks) };
}

describeWith(['postgres'], 'V2 list pages with the item memo (real PostgreSQL)', () => {
  beforeAll(async () => {
    ({ testDb, db } = await edgeCaseTenant('itemmemo', 6));
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('assembles the same bytes as the inline read, and the re-read from kept items only', async () => {
    const memo = new ItemMemo({ maxBytes: 1 << 24 });
    for (const types of SELECTIONS) {
      for (const [pageSize, page] of [
        [100, 1],
        [3, 2],
        [1, 1],
        [0, 1],
      ] as const) {
        const first = await both(db, list(types, pageSize, page), memo);
        expect(first.kept).toBe(first.inline);
        const misses = memo.stats().misses;
        const again = await both(db, list(types, pageSize, page), memo);
        expect(again.kept).toBe(first.inline);
        expect(memo.stats().misses).toBe(misses); // nothing read again
      }
    }
    expect(memo.stats().hits).toBeGreaterThan(0);
  });

  it('sees every change of what an item is made of at the next read', async () => {
    const memo = new ItemMemo({ maxBytes: 1 << 24 });
    const query = list(ALL, 100);
    const changes = [
      // the oldest status row of eMuster16 100 (what regelTrefferCode/checkLevel/dates come from)
      `UPDATE er_senderezepte_emuster16_status SET status_abfrage_zeit = '23:59:58.1234567' WHERE id_senderezepte_emuster16_status = 2001`,
      // a new status row with a lower PK becomes the oldest
      `INSERT INTO er_senderezepte_emuster16_status (id_senderezepte_emuster16_status, id_senderezepte_emuster16, rezept_status, abrechen_status)
         VALUES (0, 100, 'NEU', 'X')`,
      // the document of P-Rezept 100's first untransferred daten row, same length
      `UPDATE er_senderezepte_prezept_daten SET xml_request = replace(xml_request, 'Grüße', 'Grüsse') WHERE id_senderezepte_prezept_daten = 1007`,
      // a head field (E-Rezept id)
      `UPDATE er_senderezepte_erezept SET erezept_id = '160.000.000.000.999.99' WHERE id_senderezepte_erezept = 100`,
      // the first untransferred daten row is transferred: the next one takes its place
      `UPDATE er_senderezepte_erezept_daten SET transfer_arz = true WHERE id_senderezepte_erezept_daten = 1007`,
    ];
    let previous = (await both(db, query, memo)).inline;
    for (const change of changes) {
      await db.query(change);
      const { hits, misses } = memo.stats();
      const now = await both(db, query, memo);
      expect(now.kept).toBe(now.inline);
      // The unchanged items came from the memo, the changed one was read again.
      expect(memo.stats().hits).toBeGreaterThan(hits);
      expect(memo.stats().misses).toBeGreaterThan(misses);
      expect(now.inline).not.toBe(previous);
      previous = now.inline;
    }
  });

  it('falls back to one inline read when an item changes between the two statements', async () => {
    const memo = new ItemMemo({ maxBytes: 1 << 24 });
    const query = list(['eMuster16'], 100);
    await both(db, query, memo); // every item kept
    // A new prescription (a miss) makes the read ask for its item; a write lands right before that.
    await insertPrescriptions(db, [
      { type: 'eMuster16', id: 500, daten: [{ id: 5000, rezeptUuid: 'em-500' }], status: [] },
    ]);
    let statements = 0;
    const racing: SqlDatabase = {
      ...db,
      query: db.query,
      transaction: (fn) =>
        db.transaction((tx) => {
          const wrapped: SqlExecutor = {
            query: (text, params) => tx.query(text, params),
            queryEach: async (text, params, onRow) => {
              if (text === FAST_SQL.itemsByHead) {
                statements += 1;
                await db.query(
                  `UPDATE er_senderezepte_emuster16_daten SET rezept_uuid = 'em-500-changed' WHERE id_senderezepte_emuster16_daten = 5000`,
                );
              }
              return tx.queryEach!(text, params, onRow);
            },
          };
          return fn(wrapped);
        }),
    };
    const kept = await answerV2Read(
      racing,
      query,
      { environment: 'Test' },
      {
        itemMemo: { memo, scope: memo.scope('tenant') },
      },
    );
    const inline = await answerV2Read(db, query, { environment: 'Test' });
    expect(statements).toBe(1);
    const keptBody = await body(kept.chunks);
    expect(keptBody).toBe(await body(inline.chunks));
    expect(keptBody).toContain('em-500-changed');
  });
});
