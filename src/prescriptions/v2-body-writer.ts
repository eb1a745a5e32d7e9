// Serialises V2 read answers byte-identically to the legacy's System.Text.Json output (CONTRACT §3.6,
// §3.7, §6.1.5): PrescriptionV2Response and BulkStatusResponse, as spliced chunks whose slots take the
// "now" timestamps. Pure: rows in, chunks out; no clock, no I/O. Throws EdgeError EDGE_INTERNAL for a
// value the legacy could not have serialised (e.g. a date outside DateTime's range).
import { Buffer } from 'node:buffer';
import { stjEscape, stjString, stjStringBytes } from '../core/stj-json.js';
import { formatUnspecifiedDateTime } from '../core/stj-datetime.js';
import type { StatusUuidRow, V2ListRow } from './fast-queries.js';
import { PRESCRIPTION_TYPES } from './prescription-types.js';
import { DEFAULT_CHUNK_BYTES, SplicedChunkBuilder, type SplicedChunk } from './spliced-body.js';

export interface V2ListSummary {
  readonly totalCount: number;
  /** As requested (echoed). */
  readonly page: number;
  /** After the MaxPageSize cap (echoed). */
  readonly pageSize: number;
  /** Configuration value `Environment` (fallback "Development"); null is written as null. */
  readonly environment: string | null;
}

// Static fragments, built once. Member order is the C# declaration order of PrescriptionV2Dto.
const ITEM_START = ['', ...PRESCRIPTION_TYPES.map((t) => `{"type":${stjString(t)},"id":`)];
const ITEM_END = '","avsSystem":{"manufacturer":"GfAL","name":"ArzTi","version":"3.0"}}';

const dateOnly = (d: string | null) => (d === null ? 'null' : '"' + formatUnspecifiedDateTime(d, null) + '"');
const dateTime = (d: string | null, t: string | null) =>
  d === null || t === null ? 'null' : '"' + formatUnspecifiedDateTime(d, t) + '"';

/** hasNextPage = page * pageSize < totalCount in C# int arithmetic (wraps on overflow, §2.4). */
export function hasNextPage(page: number, pageSize: number, totalCount: number): boolean {
  return Math.imul(page, pageSize) < totalCount;
}

/** An item's text up to its document: `{"type":…,"id":…,"rezeptUuid":…,"xmlRequest":`. */
function itemHead(r: V2ListRow): string {
  const start = ITEM_START[r.blk];
  if (start === undefined) throw new RangeError(`unknown block ${r.blk}`);
  return start + r.id + ',"rezeptUuid":' + stjString(r.rezept_uuid) + ',"xmlRequest":';
}

/** An item's text after its document, up to the deliveryTimestamp value. */
function itemTail(r: V2ListRow): string {
  return (
    ',"transferArz":false,"rzLieferId":' +
    stjString(r.rz) +
    ',"muster16Id":' +
    (r.m16 ?? 'null') +
    ',"transaktionsNummer":' +
    (r.tn ?? 'null') +
    ',"erezeptId":' +
    stjString(r.erid) +
    ',"datenId":' +
    r.did +
    ',"regelTrefferCode":' +
    stjString(r.abr) +
    ',"checkLevel":' +
    stjString(r.rst) +
    ',"statusAbfrageDatum":' +
    dateOnly(r.sd) +
    ',"statusAbfrageZeit":' +
    dateTime(r.sd, r.st) +
    ',"deliveryTimestamp":"'
  );
}

/**
 * An item's bytes from `{` up to the opening quote of its deliveryTimestamp value, in a buffer of its
 * own: what V2ListBodyEncoder.encodedItem takes (the timestamp and the item's end are written there).
 */
export function itemPrefix(r: V2ListRow): Buffer {
  const head = itemHead(r);
  const tail = itemTail(r);
  const xml = stjStringBytes(r.xml_request);
  const prefix = Buffer.allocUnsafeSlow(head.length + xml.length + tail.length);
  let at = prefix.write(head, 0, 'latin1');
  at += xml.copy(prefix, at);
  prefix.write(tail, at, 'latin1');
  return prefix;
}

/**
 * Incremental PrescriptionV2Response writer: begin, items (any number of batches), end. Chunks
 * become available through drain() as they fill, so callers can stream with bounded memory.
 */
export class V2ListBodyEncoder {
  readonly #out: SplicedChunkBuilder;
  #items = 0;
  #state: 'open' | 'ended' = 'open';

  constructor(chunkBytes: number = DEFAULT_CHUNK_BYTES) {
    this.#out = new SplicedChunkBuilder(chunkBytes);
    this.#out.write('{"prescriptions":[');
  }

  /** Appends items; rows must already be in block order (eMuster16, P-Rezept, E-Rezept; id desc). */
  items(rows: readonly V2ListRow[]): void {
    for (const r of rows) this.item(r);
  }

  /** Appends one item (after those before it in block order). */
  item(r: V2ListRow): void {
    if (this.#state !== 'open') throw new Error('V2ListBodyEncoder: items after end');
    // Everything that can throw is computed before the first byte of the item is written.
    const head = itemHead(r);
    const tail = itemTail(r);
    const out = this.#out;
    out.write(this.#items === 0 ? head : ',' + head);
    out.writeJsonString(r.xml_request);
    out.write(tail);
    out.slot();
    out.write(ITEM_END);
    this.#items += 1;
  }

  /** Appends one item from its encoded prefix (itemPrefix), e.g. kept from an earlier answer. */
  encodedItem(prefix: Buffer): void {
    if (this.#state !== 'open') throw new Error('V2ListBodyEncoder: items after end');
    const out = this.#out;
    if (this.#items > 0) out.write(',');
    out.writeBytes(prefix);
    out.slot();
    out.write(ITEM_END);
    this.#items += 1;
  }

  /** Chunks completed so far. */
  drain(): SplicedChunk[] {
    return this.#out.drain();
  }

  /** Writes the members after the array and returns the remaining chunks. */
  end(summary: V2ListSummary): SplicedChunk[] {
    if (this.#state !== 'open') throw new Error('V2ListBodyEncoder: end twice');
    this.#state = 'ended';
    const { totalCount, page, pageSize, environment } = summary;
    this.#out.write(
      '],"totalCount":' +
        totalCount +
        ',"page":' +
        page +
        ',"pageSize":' +
        pageSize +
        ',"hasNextPage":' +
        hasNextPage(page, pageSize, totalCount) +
        ',"environment":' +
        stjString(environment) +
        ',"responseTimestamp":"',
    );
    this.#out.slot();
    this.#out.write('"}');
    return this.#out.finish();
  }
}

/** A whole PrescriptionV2Response from rows already in memory. */
export function encodeV2ListBody(
  rows: readonly V2ListRow[],
  summary: V2ListSummary,
  chunkBytes?: number,
): SplicedChunk[] {
  const enc = new V2ListBodyEncoder(chunkBytes);
  enc.items(rows);
  return [...enc.drain(), ...enc.end(summary)];
}

/** The BulkStatusResponse numbers as the legacy computes them (§2.6, Q10). */
export interface BulkStatusOutcome {
  readonly found: readonly StatusUuidRow[];
  readonly totalCount: number;
  readonly successCount: number;
  readonly errorCount: number;
  readonly notFound: readonly string[];
}

/** A BulkStatusResponse: one chunk, one slot (responseTimestamp). */
export function encodeBulkStatusBody(outcome: BulkStatusOutcome): SplicedChunk[] {
  const out = new SplicedChunkBuilder();
  out.write('{"prescriptions":[');
  outcome.found.forEach((r, i) => {
    const type = PRESCRIPTION_TYPES[r.blk - 1];
    if (type === undefined) throw new RangeError(`unknown block ${r.blk}`);
    const status = stjString(r.rst);
    out.write(
      (i === 0 ? '' : ',') +
        '{"rezeptUuid":' +
        stjString(r.rezept_uuid) +
        ',"type":' +
        stjString(type) +
        ',"transferArz":false,"status":' +
        status +
        ',"regelTrefferCode":' +
        stjString(r.abr) +
        ',"checkLevel":' +
        status +
        ',"errorMessages":[],"lastUpdated":' +
        dateOnly(r.sd) +
        '}',
    );
  });
  out.write(
    '],"totalCount":' +
      outcome.totalCount +
      ',"successCount":' +
      outcome.successCount +
      ',"errorCount":' +
      outcome.errorCount +
      ',"globalErrors":[',
  );
  outcome.notFound.forEach((uuid, i) =>
    out.write((i === 0 ? '"' : ',"') + 'Prescription not found: ' + stjEscape(uuid) + '"'),
  );
  out.write('],"responseTimestamp":"');
  out.slot();
  out.write('"}');
  return out.finish();
}
