// v2-body-writer + spliced-body: byte equality with CONTRACT §3.7, BulkStatusResponse, splice points,
// chunking and the cache-segment view.
import { describe, expect, it } from 'vitest';
import { formatUtcTicks } from '../../../src/core/stj-datetime.js';
import { isEdgeError } from '../../../src/errors.js';
import type { StatusUuidRow, V2ListRow } from '../../../src/prescriptions/fast-queries.js';
import {
  SplicedChunkBuilder,
  renderSplicedChunk,
  renderSplicedChunks,
  toCacheSegments,
  utcTimestamps,
  type SplicedChunk,
} from '../../../src/prescriptions/spliced-body.js';
import {
  encodeBulkStatusBody,
  encodeV2ListBody,
  hasNextPage,
  V2ListBodyEncoder,
} from '../../../src/prescriptions/v2-body-writer.js';
import { bulkStatusOutcome } from '../../../src/prescriptions/bulk-status.js';
import {
  base,
  EXAMPLE,
  EXAMPLE_ROWS,
  EXAMPLE_SUMMARY,
  EXAMPLE_TICKS,
  fakeClock,
} from './contract-example.js';

const SUMMARY = EXAMPLE_SUMMARY;

const render = (chunks: readonly SplicedChunk[], ticks: readonly bigint[]) => {
  const next = utcTimestamps(fakeClock(ticks));
  return Buffer.concat(chunks.map((c) => renderSplicedChunk(c, next))).toString('latin1');
};

describe('PrescriptionV2Response', () => {
  it('reproduces the §3.7 example byte for byte with the example timestamps', () => {
    const chunks = encodeV2ListBody(EXAMPLE_ROWS, SUMMARY);
    expect(render(chunks, EXAMPLE_TICKS)).toBe(EXAMPLE);
    expect(chunks.reduce((n, c) => n + c.slots.length, 0)).toBe(4);
  });

  it('gives the same bytes for any chunk size and batch split', () => {
    for (const chunkBytes of [256, 300, 1024, 1 << 16]) {
      const enc = new V2ListBodyEncoder(chunkBytes);
      const chunks: SplicedChunk[] = [];
      enc.items(EXAMPLE_ROWS.slice(0, 1));
      chunks.push(...enc.drain());
      enc.items([]);
      enc.items(EXAMPLE_ROWS.slice(1));
      chunks.push(...enc.drain(), ...enc.end(SUMMARY));
      expect(render(chunks, EXAMPLE_TICKS)).toBe(EXAMPLE);
      if (chunkBytes === 256) expect(chunks.length).toBeGreaterThan(3);
    }
  });

  it('writes an empty page, null environment and int64 beyond 2^53 exactly', () => {
    const empty = render(encodeV2ListBody([], { totalCount: 0, page: 7, pageSize: 0, environment: null }), [
      base,
    ]);
    expect(empty).toBe(
      '{"prescriptions":[],"totalCount":0,"page":7,"pageSize":0,"hasNextPage":false,"environment":null,"responseTimestamp":"2025-11-04T09:41:12Z"}',
    );
    const big: V2ListRow = { ...EXAMPLE_ROWS[1]!, tn: '9223372036854775807' };
    const body = render(encodeV2ListBody([big], SUMMARY), [base, base + 1n]);
    expect(body).toContain('"transaktionsNummer":9223372036854775807,');
  });

  it('writes statusAbfrageZeit only when date and time are both present', () => {
    const noTime: V2ListRow = { ...EXAMPLE_ROWS[0]!, st: null };
    const noDate: V2ListRow = { ...EXAMPLE_ROWS[0]!, sd: null };
    const a = render(encodeV2ListBody([noTime], SUMMARY), [base, base + 1n]);
    const b = render(encodeV2ListBody([noDate], SUMMARY), [base, base + 1n]);
    expect(a).toContain('"statusAbfrageDatum":"2025-11-03T00:00:00","statusAbfrageZeit":null,');
    expect(b).toContain('"statusAbfrageDatum":null,"statusAbfrageZeit":null,');
  });

  it('escapes every string member the STJ way (rzLieferId, erezeptId, status codes, environment)', () => {
    const odd: V2ListRow = { ...EXAMPLE_ROWS[0]!, rz: 'A<B>"C\'', abr: 'x+y', rst: '\u0001', erid: '€' };
    const body = render(encodeV2ListBody([odd], { ...SUMMARY, environment: 'Live&Co' }), [base, base + 1n]);
    expect(body).toContain('"rzLieferId":"A\\u003CB\\u003E\\u0022C\\u0027"');
    expect(body).toContain('"erezeptId":"\\u20AC"');
    expect(body).toContain('"regelTrefferCode":"x\\u002By","checkLevel":"\\u0001"');
    expect(body).toContain('"environment":"Live\\u0026Co"');
  });

  it('refuses dates and times DateTime cannot hold (24:00:00, BC, infinity) before writing the item', () => {
    for (const bad of [
      { sd: '2025-01-01', st: '24:00:00' },
      { sd: '0044-03-15 BC', st: null },
      { sd: 'infinity', st: null },
    ]) {
      const enc = new V2ListBodyEncoder();
      let caught: unknown;
      try {
        enc.items([{ ...EXAMPLE_ROWS[0]!, ...bad }]);
      } catch (err) {
        caught = err;
      }
      expect(isEdgeError(caught, 'EDGE_INTERNAL')).toBe(true);
    }
  });

  it('computes hasNextPage in int32 arithmetic (wraps like C#)', () => {
    expect(hasNextPage(1, 1, 3)).toBe(true);
    expect(hasNextPage(2, 1, 3)).toBe(true); // an empty page 2 still says true (Q6)
    expect(hasNextPage(3, 1, 3)).toBe(false);
    expect(hasNextPage(1, 0, 1)).toBe(true);
    expect(hasNextPage(65536, 65536, 0)).toBe(false); // 2^32 wraps to 0
    expect(hasNextPage(46341, 46341, 5)).toBe(true); // wraps negative
    expect(hasNextPage(-1, 5, 0)).toBe(true);
  });
});

describe('BulkStatusResponse', () => {
  const hit = (blk: number, id: number, uuid: string, extra: Partial<StatusUuidRow> = {}): StatusUuidRow => ({
    blk,
    id,
    rezept_uuid: uuid,
    abr: 'OK',
    rst: 'GELESEN',
    sd: '2025-11-04',
    ...extra,
  });

  it('writes items in scan order with the legacy accounting and one timestamp slot', () => {
    const requested = ['u2', 'nope', 'u1', 'nope', 'u1', 'x"<'];
    const found = [hit(1, 9, 'u1', { abr: null, rst: null, sd: null }), hit(3, 4, 'u2')];
    const chunks = encodeBulkStatusBody(bulkStatusOutcome(requested, found));
    expect(chunks.flatMap((c) => c.slots)).toHaveLength(1);
    expect(render(chunks, [base])).toBe(
      '{"prescriptions":[' +
        '{"rezeptUuid":"u1","type":"eMuster16","transferArz":false,"status":null,"regelTrefferCode":null,"checkLevel":null,"errorMessages":[],"lastUpdated":null},' +
        '{"rezeptUuid":"u2","type":"E-Rezept","transferArz":false,"status":"GELESEN","regelTrefferCode":"OK","checkLevel":"GELESEN","errorMessages":[],"lastUpdated":"2025-11-04T00:00:00"}' +
        '],"totalCount":6,"successCount":2,"errorCount":4,' +
        '"globalErrors":["Prescription not found: nope","Prescription not found: x\\u0022\\u003C"],' +
        '"responseTimestamp":"2025-11-04T09:41:12Z"}',
    );
  });

  it('lets errorCount go negative when one uuid is found in two type tables', () => {
    const outcome = bulkStatusOutcome(['same'], [hit(1, 1, 'same'), hit(2, 1, 'same')]);
    expect([outcome.totalCount, outcome.successCount, outcome.errorCount]).toEqual([1, 2, -1]);
    expect(outcome.notFound).toEqual([]);
  });
});

describe('splice points', () => {
  it('cuts cache segments at every slot, also across chunk boundaries', () => {
    const chunks = encodeV2ListBody(EXAMPLE_ROWS, SUMMARY, 256);
    const segments = toCacheSegments(chunks);
    expect(segments).toHaveLength(5);
    const stamps = EXAMPLE_TICKS.map((t) => utcTimestamps(() => t)());
    const joined = segments.flatMap((s, i) => (i < stamps.length ? [s, Buffer.from(stamps[i]!)] : [s]));
    expect(Buffer.concat(joined).toString('latin1')).toBe(EXAMPLE);
  });

  it('renders streamed chunks with strictly increasing timestamps from one clock', async () => {
    const chunks = encodeV2ListBody(EXAMPLE_ROWS, SUMMARY, 300);
    const out: Buffer[] = [];
    for await (const b of renderSplicedChunks(chunks, utcTimestamps(fakeClock(EXAMPLE_TICKS)))) out.push(b);
    expect(Buffer.concat(out).toString('latin1')).toBe(EXAMPLE);
  });

  it('puts a piece larger than the chunk size into its own chunk and keeps slot offsets right', () => {
    const b = new SplicedChunkBuilder(256);
    b.write('a'.repeat(200));
    b.slot();
    b.write('x'.repeat(1000));
    b.slot();
    b.write('z');
    const chunks = b.finish();
    expect(chunks.map((c) => [c.bytes.length, ...c.slots])).toEqual([[200, 200], [1000], [1, 0]]);
    let n = 0;
    const body = Buffer.concat(chunks.map((c) => renderSplicedChunk(c, () => `<${n++}>`))).toString();
    expect(body).toBe('a'.repeat(200) + '<0>' + 'x'.repeat(1000) + '<1>z');
    expect(toCacheSegments(chunks).map((s) => s.length)).toEqual([200, 1000, 1]);
  });

  it('keeps long kept literals as chunks of their own (not copied) and copies short ones', () => {
    const b = new SplicedChunkBuilder(4096);
    const long = Buffer.from('"' + 'x'.repeat(600) + '"');
    const short = Buffer.from('"short"');
    b.write('[');
    b.writeBytes(long);
    b.write(',');
    b.slot();
    b.writeBytes(short);
    b.write(']');
    const chunks = b.finish();
    expect(chunks).toHaveLength(3);
    expect(chunks[1]?.bytes).toBe(long); // the very buffer: shared, not copied
    expect(chunks.map((c) => c.slots)).toEqual([[], [], [1]]);
    // The small chunks are views of one buffer, each immutable once sealed.
    expect(chunks[0]?.bytes.buffer).toBe(chunks[2]?.bytes.buffer);
    const body = Buffer.concat(chunks.map((c) => renderSplicedChunk(c, () => 'T'))).toString();
    expect(body).toBe('[' + long.toString() + ',T"short"]');
  });

  it('formats timestamps exactly like formatUtcTicks (cached per second)', () => {
    const ticks: bigint[] = [];
    let t = base - 25_000_000n;
    for (let i = 0; i < 5000; i++) {
      t += BigInt((i * 7919) % 4_000_001);
      ticks.push(t, t - (t % 10_000_000n), t - (t % 10_000n));
    }
    ticks.push(0n, 10_000_000n * 60n + 5n);
    const next = utcTimestamps(fakeClock(ticks));
    for (const tick of ticks) expect(next()).toBe(formatUtcTicks(tick));
  });

  it('keeps a chunk without slots as it is (no copy)', () => {
    const chunk = { bytes: Buffer.from('abc'), slots: [] };
    expect(renderSplicedChunk(chunk, () => 'x')).toBe(chunk.bytes);
    expect(toCacheSegments([chunk]).map((b) => b.toString())).toEqual(['abc']);
  });
});
