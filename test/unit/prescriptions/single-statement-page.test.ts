// readSingleStatementPage over a fake executor: rows reach the sink as they arrive, count rows never do,
// and a server that sends rows out of the legacy's order makes the sink start over with a whole, sorted read.
import { describe, expect, it } from 'vitest';
import type { SqlExecutor } from '../../../src/core/sql-port.js';
import type { V2ListRow } from '../../../src/prescriptions/fast-queries.js';
import { readSingleStatementPage } from '../../../src/prescriptions/single-statement-page.js';

const row = (blk: number, id: number): V2ListRow => ({
  blk,
  id,
  did: id * 10,
  rezept_uuid: `u${id}`,
  xml_request: '<x/>',
  rz: null,
  m16: null,
  tn: null,
  erid: null,
  abr: null,
  rst: null,
  sd: null,
  st: null,
});

/**
 * A streaming executor that sends `streamed` through queryEach and, should the reader fall back to a
 * whole read, `whole` (default: the same rows) through query; records each statement and how it ran.
 */
function executorSending(streamed: readonly V2ListRow[], whole: readonly V2ListRow[] = streamed) {
  const statements: { via: 'queryEach' | 'query'; text: string; params: readonly unknown[] | undefined }[] =
    [];
  const db: SqlExecutor = {
    query: <Row>(text: string, params?: readonly unknown[]) => {
      statements.push({ via: 'query', text, params });
      return Promise.resolve({ rows: [...whole] as Row[], rowCount: whole.length });
    },
    queryEach: <Row>(text: string, params: readonly unknown[] | undefined, onRow: (r: Row) => void) => {
      statements.push({ via: 'queryEach', text, params });
      for (const r of streamed) onRow(r as Row);
      return Promise.resolve(streamed.length);
    },
  };
  return { db, statements };
}

/** Records what the sink sees: rows, and a marker for each restart. */
function recordingSink() {
  const events: (string | number)[] = [];
  return {
    events,
    sink: {
      row: (r: V2ListRow) => events.push(r.id),
      encoded: (prefix: Buffer) => events.push(prefix.toString()),
      restart: () => events.push('restart'),
    },
  };
}

const ALL = ['eMuster16', 'P-Rezept', 'E-Rezept'] as const;

describe('readSingleStatementPage', () => {
  it('passes rows through in arrival order and takes the counts from the count rows', async () => {
    const count = (block: number, n: number) => ({ ...row(0, block), did: n });
    const { db, statements } = executorSending([
      count(1, 5),
      count(2, 0),
      count(3, 7),
      row(1, 9),
      row(1, 4),
      row(3, 8),
    ]);
    const { events, sink } = recordingSink();
    const read = await readSingleStatementPage(db, { types: ALL, pageSize: 2, offset: 0 }, sink);
    expect(events).toEqual([9, 4, 8]);
    expect(read).toEqual({ totalCount: 12, counts: { eMuster16: 5, 'P-Rezept': 0, 'E-Rezept': 7 } });
    expect(statements).toHaveLength(1);
    expect(statements[0]?.params).toEqual([2, 0]);
    expect(statements[0]?.text).toContain('count(*)');
  });

  it('with every count known runs the page-only statement and returns the known counts', async () => {
    const { db, statements } = executorSending([row(2, 3), row(2, 1)]);
    const { events, sink } = recordingSink();
    const read = await readSingleStatementPage(db, { types: ['P-Rezept'], pageSize: 5, offset: 10 }, sink, {
      knownCounts: { 'P-Rezept': 12 },
    });
    expect(events).toEqual([3, 1]);
    expect(read).toEqual({ totalCount: 12, counts: { 'P-Rezept': 12 } });
    expect(statements[0]?.text).not.toContain('count(*)');
    expect(statements[0]?.params).toEqual([5, 10]);
  });

  it('on rows out of order restarts the sink and takes page and counts from one whole, sorted read', async () => {
    const count = (block: number, n: number) => ({ ...row(0, block), did: n });
    // The second run sees a newer snapshot (one more E-Rezept): its rows and counts are what counts.
    const { db, statements } = executorSending(
      [count(1, 2), count(2, 2), count(3, 1), row(1, 9), row(2, 7), row(1, 8), row(2, 6), row(3, 5)],
      [
        count(3, 2),
        row(3, 5),
        row(2, 6),
        row(1, 8),
        row(1, 9),
        count(1, 2),
        row(3, 4),
        row(2, 7),
        count(2, 2),
      ],
    );
    const { events, sink } = recordingSink();
    const read = await readSingleStatementPage(db, { types: ALL, pageSize: 5, offset: 0 }, sink);
    expect(events).toEqual([9, 7, 'restart', 9, 8, 7, 6, 5, 4]);
    expect(read).toEqual({ totalCount: 6, counts: { eMuster16: 2, 'P-Rezept': 2, 'E-Rezept': 2 } });
    expect(statements.map((s) => s.via)).toEqual(['queryEach', 'query']);
    expect(statements[1]?.text).toBe(statements[0]?.text);
    expect(statements[1]?.params).toEqual(statements[0]?.params);
  });

  it('refuses a page larger than one statement reads, and a missing count row', async () => {
    const { db } = executorSending([]);
    const { sink } = recordingSink();
    await expect(
      readSingleStatementPage(db, { types: ALL, pageSize: 1001, offset: 0 }, sink),
    ).rejects.toThrow(RangeError);
    await expect(
      readSingleStatementPage(db, { types: ['E-Rezept'], pageSize: 1, offset: 0 }, sink),
    ).rejects.toThrow('count row of E-Rezept missing');
  });
});
