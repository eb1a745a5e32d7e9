// The statusuuid accounting of the legacy (CONTRACT §2.6, §6.3, Q10), applied to the hits the fast
// query returns. Pure. Reproduces the oddities on purpose: duplicates count as errors, a uuid found in
// two type tables makes errorCount negative, not-found uuids are listed once in first-occurrence order.
import type { StatusUuidRow } from './fast-queries.js';
import type { BulkStatusOutcome } from './v2-body-writer.js';

/**
 * `found` are the window items whose first-daten uuid was requested, in scan order (eMuster16,
 * P-Rezept, E-Rezept; id desc). Comparison is ordinal (JavaScript string equality = UTF-16 code units).
 */
export function bulkStatusOutcome(
  requested: readonly string[],
  found: readonly StatusUuidRow[],
): BulkStatusOutcome {
  const foundUuids = new Set(found.map((r) => r.rezept_uuid));
  const notFound: string[] = [];
  const seen = new Set<string>();
  for (const uuid of requested) {
    if (seen.has(uuid)) continue;
    seen.add(uuid);
    if (!foundUuids.has(uuid)) notFound.push(uuid);
  }
  return {
    found,
    totalCount: requested.length,
    successCount: found.length,
    errorCount: requested.length - found.length,
    notFound,
  };
}
