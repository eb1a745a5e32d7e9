// The freshness classifier of `npm run bench`: matching reads to database states, staleness, foreign
// and torn answers, and the cheap V2 list body parser it relies on.
import { describe, expect, it } from 'vitest';
import {
  classifyRead,
  pageKey,
  parseListBody,
  tallyReads,
  type ReadSample,
  type StateRecord,
} from '../../../loadtest/lib/freshness-classifier.js';

const A = pageKey([
  { id: 9, uuid: 'u9' },
  { id: 8, uuid: 'u8' },
]);
const B = pageKey([{ id: 8, uuid: 'u8' }]);
const C = pageKey([{ id: 7, uuid: 'u7' }]);

// Initial A; B committed 1000→1010; C committed 2000→2005.
const history: StateRecord[] = [
  { commitStartMs: -Infinity, commitEndMs: -Infinity, key: A, total: 2 },
  { commitStartMs: 1000, commitEndMs: 1010, key: B, total: 1 },
  { commitStartMs: 2000, commitEndMs: 2005, key: C, total: 1 },
];

function read(
  startMs: number,
  endMs: number,
  key: string | undefined,
  extra: Partial<ReadSample> = {},
): ReadSample {
  return { tenant: 1, startMs, endMs, status: 200, key, total: key === A ? 2 : 1, foreign: false, ...extra };
}

describe('classifyRead', () => {
  it('is fresh when the state it shows was current when the request started', () => {
    expect(classifyRead(read(500, 520, A), history, 100)).toEqual({
      kind: 'fresh',
      staleMs: 0,
      countMatches: true,
    });
    expect(classifyRead(read(1500, 1520, B), history, 100).kind).toBe('fresh');
    expect(classifyRead(read(3000, 3020, C), history, 100).kind).toBe('fresh');
  });

  it('accepts the old or the new state while a commit is in flight', () => {
    expect(classifyRead(read(1005, 1008, A), history, 0).kind).toBe('fresh');
    expect(classifyRead(read(1001, 1003, B), history, 0).kind).toBe('fresh');
  });

  it('accepts a state committed during the request', () => {
    expect(classifyRead(read(990, 1020, B), history, 0).kind).toBe('fresh');
  });

  it('never matches a state whose commit began after the read ended', () => {
    expect(classifyRead(read(900, 950, B), history, 100).kind).toBe('unmatched');
  });

  it('measures staleness from when the next state was committed to the request start', () => {
    expect(classifyRead(read(1090, 1100, A), history, 100)).toEqual({
      kind: 'fresh',
      staleMs: 80,
      countMatches: true,
    });
    expect(classifyRead(read(1510, 1520, A), history, 100)).toEqual({
      kind: 'stale',
      staleMs: 500,
      countMatches: true,
    });
    expect(classifyRead(read(4005, 4010, B), history, 100)).toEqual({
      kind: 'stale',
      staleMs: 2000,
      countMatches: true,
    });
  });

  it('picks the latest matching state when a key recurs', () => {
    const repeating: StateRecord[] = [
      ...history,
      { commitStartMs: 3000, commitEndMs: 3001, key: A, total: 2 },
    ];
    expect(classifyRead(read(3500, 3510, A), repeating, 100).kind).toBe('fresh');
  });

  it('reports a totalCount that disagrees with the matched state', () => {
    expect(classifyRead(read(1500, 1510, B, { total: 2 }), history, 100)).toEqual({
      kind: 'fresh',
      staleMs: 0,
      countMatches: false,
    });
  });

  it('classifies foreign, unmatched and error reads', () => {
    expect(classifyRead(read(1500, 1510, A, { foreign: true }), history, 100).kind).toBe('foreign');
    expect(classifyRead(read(1500, 1510, pageKey([{ id: 1, uuid: 'x' }])), history, 100).kind).toBe(
      'unmatched',
    );
    expect(classifyRead(read(1500, 1510, A, { status: 500 }), history, 100).kind).toBe('error');
    expect(classifyRead(read(1500, 1510, undefined), history, 100).kind).toBe('error');
  });
});

describe('tallyReads', () => {
  it('counts verdicts per kind and keeps the staleness of stale reads sorted', () => {
    const tally = tallyReads(
      [
        read(500, 510, A),
        read(1510, 1520, A),
        read(1210, 1220, A),
        read(1500, 1510, A, { foreign: true }),
        read(1500, 1510, A, { status: 0 }),
        read(1500, 1510, pageKey([])),
        read(1500, 1510, B, { total: 5 }),
      ],
      new Map([[1, history]]),
      100,
    );
    expect(tally).toMatchObject({
      reads: 7,
      fresh: 2,
      stale: 2,
      foreign: 1,
      errors: 1,
      unmatched: 1,
      countMismatches: 1,
    });
    expect(Array.from(tally.staleMs)).toEqual([200, 500]);
  });
});

describe('parseListBody', () => {
  it('reads ids, rezeptUuids and totalCount of a V2 list body', () => {
    const body =
      '{"prescriptions":[{"type":"E-Rezept","id":90311,"rezeptUuid":"1a16","xmlRequest":"\\u003Cx id=\\u0022id\\u0022/\\u003E",' +
      '"transferArz":false,"avsSystem":{"manufacturer":"GfAL"}},{"type":"E-Rezept","id":90310,"rezeptUuid":null,"xmlRequest":""}],' +
      '"totalCount":17,"page":1,"pageSize":20,"hasNextPage":false,"environment":"Test","responseTimestamp":"2025-11-04T09:41:12.3712245Z"}';
    expect(parseListBody(body)).toEqual({
      items: [
        { id: 90311, uuid: '1a16' },
        { id: 90310, uuid: null },
      ],
      total: 17,
    });
  });

  it('returns undefined for a body that is not a list', () => {
    expect(parseListBody('Internal server error occurred while retrieving prescriptions')).toBeUndefined();
    expect(parseListBody('{"error":{"code":"EDGE_X"}}')).toBeUndefined();
  });

  it('handles an empty page', () => {
    expect(parseListBody('{"prescriptions":[],"totalCount":0,"page":1}')).toEqual({ items: [], total: 0 });
  });
});
