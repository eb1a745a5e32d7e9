// Metrics of the sql/cache executors, of their list-count memo and of read-your-writes invalidation, on the
// edge's own registry. Labels are bounded: route id, X-Edge path, forward reason, memo outcome, invalidation
// scope — never a tenant or a user.
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Structurally the executors' FastPathObserver, the count memo's onLookup and the write-invalidation
 * callback (reasons and outcomes are bounded there).
 */
export interface FastPathMetrics {
  answered(routeId: string, edge: string): void;
  forwarded(routeId: string, reason: string): void;
  countMemoLookup(routeId: string, outcome: string): void;
  countRefreshed(outcome: string): void;
  writeInvalidated(scope: 'tenant' | 'all-tenants', reason: string): void;
}

/** What the item memo reports, read at scrape time (3000 items a page: no per-item metric call). */
export interface ItemMemoStats {
  readonly hits: number;
  readonly misses: number;
  readonly bytes: number;
}

/** `itemMemo`: the item memo's statistics (absent: no memo, no item-memo metrics). */
export function createFastPathMetrics(registry: Registry, itemMemo?: () => ItemMemoStats): FastPathMetrics {
  const registers = [registry];
  const answers = new Counter({
    name: 'edge_fast_path_answers_total',
    help: 'sql/cache-mode requests the edge answered itself, by route id and X-Edge path (sql, cache-hit, cache-miss, stale)',
    labelNames: ['route', 'edge'] as const,
    registers,
  });
  const forwards = new Counter({
    name: 'edge_fast_path_forwards_total',
    help: 'sql/cache-mode requests handed to the legacy instead, by route id and reason',
    labelNames: ['route', 'reason'] as const,
    registers,
  });
  const memo = new Counter({
    name: 'edge_count_memo_lookups_total',
    help: 'List requests by route id and count-memo outcome: hit (counts not read), miss (counted and remembered), bypass (tenant feed not up: counted, not remembered)',
    labelNames: ['route', 'outcome'] as const,
    registers,
  });
  const refreshes = new Counter({
    name: 'edge_count_memo_refreshes_total',
    help: 'Background recounts after an epoch change: counted (handed to the memo), skipped (nothing to store: feed down or counts current), failed',
    labelNames: ['outcome'] as const,
    registers,
  });
  if (itemMemo !== undefined) {
    new Counter({
      name: 'edge_item_memo_lookups_total',
      help: 'Items of V2 list pages by item-memo outcome: hit (encoded item reused, version unchanged), miss (read and encoded)',
      labelNames: ['outcome'] as const,
      registers,
      collect() {
        const stats = itemMemo();
        this.reset();
        this.inc({ outcome: 'hit' }, stats.hits);
        this.inc({ outcome: 'miss' }, stats.misses);
      },
    });
    new Gauge({
      name: 'edge_item_memo_bytes',
      help: 'Bytes held by the item memo (encoded items plus per-entry overhead)',
      registers,
      collect() {
        this.set(itemMemo().bytes);
      },
    });
  }
  const writes = new Counter({
    name: 'edge_write_invalidations_total',
    help: 'Cache invalidations after a forwarded write succeeded: scope tenant (resolved) or all-tenants (with why)',
    labelNames: ['scope', 'reason'] as const,
    registers,
  });
  return {
    answered: (route, edge) => answers.inc({ route, edge }),
    forwarded: (route, reason) => forwards.inc({ route, reason }),
    countMemoLookup: (route, outcome) => memo.inc({ route, outcome }),
    countRefreshed: (outcome) => refreshes.inc({ outcome }),
    writeInvalidated: (scope, reason) => writes.inc({ scope, reason }),
  };
}
