// Classifies each read of a freshness run against the history of database states the writer produced.
// Pure. A state is the exact page-1 answer (ids + rezeptUuids in order) of one tenant after one write;
// it may have been visible from its commit start and was certainly superseded when the next commit had
// returned. A read matches the latest state with the same key whose commit began before the read ended:
//   fresh      — that state was still current, or superseded at most `boundMs` before the read started;
//   stale      — superseded longer ago (staleness = read start − when the next state was committed);
//   foreign    — the answer holds rezeptUuids of the other tenant (a cache shared across users);
//   unmatched  — no state of this tenant has that key (torn or unknown answer);
//   error      — not a 200 or no list in the body.

export interface StateRecord {
  /** performance.now() ms when the commit (or the API write) was sent; -Infinity for the initial state. */
  readonly commitStartMs: number;
  /** performance.now() ms when the commit (or the API write's response) returned. */
  readonly commitEndMs: number;
  readonly key: string;
  /** The count of new prescriptions of that state (the answer's totalCount). */
  readonly total: number;
}

export interface ReadSample {
  readonly tenant: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly status: number;
  /** The answer's page key (see pageKey) or undefined when the body held no list. */
  readonly key: string | undefined;
  readonly total: number | undefined;
  readonly foreign: boolean;
}

export type Verdict =
  | { readonly kind: 'fresh'; readonly staleMs: number; readonly countMatches: boolean }
  | { readonly kind: 'stale'; readonly staleMs: number; readonly countMatches: boolean }
  | { readonly kind: 'foreign' }
  | { readonly kind: 'unmatched' }
  | { readonly kind: 'error' };

export interface PageItem {
  readonly id: number;
  readonly uuid: string | null;
}

/** The identity of a page: `id:uuid` per item in answer order. */
export function pageKey(items: readonly PageItem[]): string {
  return items.map((i) => `${i.id}:${i.uuid ?? 'null'}`).join(',');
}

const ITEM = /"id":(\d+),"rezeptUuid":(?:"([^"]*)"|null)/g;
const TOTAL = /"totalCount":(-?\d+)/;

/**
 * Items and totalCount of a V2 list body without a full JSON parse. Safe because System.Text.Json
 * escapes `"` inside strings (`\u0022`), so the pattern cannot match inside xmlRequest.
 */
export function parseListBody(body: string): { items: PageItem[]; total: number } | undefined {
  if (!body.startsWith('{"prescriptions":[')) return undefined;
  const items: PageItem[] = [];
  for (const match of body.matchAll(ITEM)) {
    items.push({ id: Number(match[1]), uuid: match[2] ?? null });
  }
  const total = TOTAL.exec(body.slice(body.lastIndexOf('],"totalCount":') + 1));
  return { items, total: total ? Number(total[1]) : NaN };
}

/** history: one tenant's states in commit order (the first is the initial state). */
export function classifyRead(sample: ReadSample, history: readonly StateRecord[], boundMs: number): Verdict {
  if (sample.status !== 200 || sample.key === undefined) return { kind: 'error' };
  if (sample.foreign) return { kind: 'foreign' };
  for (let i = history.length - 1; i >= 0; i -= 1) {
    const state = history[i] as StateRecord;
    if (state.commitStartMs > sample.endMs || state.key !== sample.key) continue;
    const supersededAt = history[i + 1]?.commitEndMs ?? Infinity;
    const staleMs = Math.max(0, sample.startMs - supersededAt);
    const countMatches = sample.total === state.total;
    return staleMs <= boundMs
      ? { kind: 'fresh', staleMs, countMatches }
      : { kind: 'stale', staleMs, countMatches };
  }
  return { kind: 'unmatched' };
}

export interface FreshnessTally {
  readonly reads: number;
  readonly fresh: number;
  readonly stale: number;
  readonly foreign: number;
  readonly unmatched: number;
  readonly errors: number;
  /** Fresh or stale reads whose totalCount differs from the matched state's. */
  readonly countMismatches: number;
  /** Staleness of the stale reads, ascending (ms). */
  readonly staleMs: Float64Array;
}

export function tallyReads(
  samples: readonly ReadSample[],
  histories: ReadonlyMap<number, readonly StateRecord[]>,
  boundMs: number,
): FreshnessTally {
  let fresh = 0;
  let stale = 0;
  let foreign = 0;
  let unmatched = 0;
  let errors = 0;
  let countMismatches = 0;
  const staleMs: number[] = [];
  for (const sample of samples) {
    const verdict = classifyRead(sample, histories.get(sample.tenant) ?? [], boundMs);
    switch (verdict.kind) {
      case 'fresh':
      case 'stale':
        if (verdict.kind === 'fresh') fresh += 1;
        else {
          stale += 1;
          staleMs.push(verdict.staleMs);
        }
        if (!verdict.countMatches) countMismatches += 1;
        break;
      case 'foreign':
        foreign += 1;
        break;
      case 'unmatched':
        unmatched += 1;
        break;
      case 'error':
        errors += 1;
        break;
    }
  }
  return {
    reads: samples.length,
    fresh,
    stale,
    foreign,
    unmatched,
    errors,
    countMismatches,
    staleMs: Float64Array.from(staleMs).sort(),
  };
}
