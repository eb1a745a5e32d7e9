// Keeps encoded V2 list items (everything of an item but its deliveryTimestamp) by item version, so that a
// page whose prescriptions did not change since they were last read is assembled from memory. A 1000-item
// page carries ~2 MB of XML that the fast path otherwise reads out of TOAST, sends, decodes and escapes,
// plus 12 fields per item to decode and format, every time, although pharmacy software re-reads the same
// new prescriptions until it has reported them.
//
// Never a source of staleness: an item is used only when the page statement, in the statement that
// produces the page, reports the same version for it (fast-sql ItemColumns `ref`: the xmin of its head,
// first daten and oldest status row, the daten PK, and seeded 64-bit hashes of its fields and document).
// Keyed by tenant scope (database id and connection string), type block and head id, so an item can only
// answer for the prescription it was read from. Bounded by bytes: entries leave in insertion order, except
// that one used since its last pass gets a second chance (cheaper than moving it on every hit).
import { randomBytes } from 'node:crypto';
import type { Buffer } from 'node:buffer';

/** What the fast path uses (ItemMemo implements it). */
export interface ItemMemoPort {
  /** The hash seed, as the int8 text the statements take. */
  readonly seed: string;
  /** A tenant's handle; resolve it once per request (lookups by handle are cheap). */
  scope(tenantScope: string): ItemMemoScope;
  /** The encoded item of that version, or undefined. */
  lookup(scope: ItemMemoScope, block: number, headId: number, version: string): Buffer | undefined;
  /** Remembers an item encoded from rows that reported `version` in the same statement. */
  remember(scope: ItemMemoScope, block: number, headId: number, version: string, encoded: Buffer): void;
  /**
   * Marks a tenant whose database cannot run the memo's statements (e.g. the legacy tables replaced by
   * views, which have no xmin): its pages are read inline from then on.
   */
  refuse(scope: ItemMemoScope): void;
  /** False once refuse(scope) was called. */
  usable(scope: ItemMemoScope): boolean;
}

/** An opaque per-tenant handle of the memo. */
export interface ItemMemoScope {
  readonly id: number;
  readonly generation: number;
}

export interface ItemMemoOptions {
  /** Upper bound of the bytes held (encoded items plus a fixed per-entry overhead). */
  readonly maxBytes: number;
  /** The hash seed (tests); default: 63 random bits per process. */
  readonly seed?: bigint;
}

interface Entry {
  readonly version: string;
  readonly encoded: Buffer;
  used: boolean;
}

/** Map, key, version text and bookkeeping bytes of an entry beyond its item (a conservative estimate). */
const ENTRY_OVERHEAD_BYTES = 200;
/** Scope ids stay below 2^18, so (id * 4 + block) * 2^32 + head id is a safe integer. */
const MAX_SCOPES = 2 ** 18;

export class ItemMemo implements ItemMemoPort {
  readonly seed: string;
  readonly #maxBytes: number;
  readonly #entries = new Map<number, Entry>();
  readonly #scopes = new Map<string, ItemMemoScope>();
  readonly #refused = new Set<number>();
  /** Bumped when the scopes start over (MAX_SCOPES): older handles then match nothing. */
  #generation = 0;
  #bytes = 0;
  #hits = 0;
  #misses = 0;

  constructor(options: ItemMemoOptions) {
    if (!(Number.isSafeInteger(options.maxBytes) && options.maxBytes > 0))
      throw new RangeError('ItemMemo maxBytes must be a positive integer');
    this.#maxBytes = options.maxBytes;
    const seed = options.seed ?? randomBytes(8).readBigInt64BE() >> 1n;
    if (seed < -(2n ** 63n) || seed >= 2n ** 63n) throw new RangeError('ItemMemo seed must fit int8');
    this.seed = seed.toString();
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Lookups that found the version (hits) or not (misses) since start, and the bytes held (metrics). */
  stats(): { hits: number; misses: number; bytes: number } {
    return { hits: this.#hits, misses: this.#misses, bytes: this.#bytes };
  }

  scope(tenantScope: string): ItemMemoScope {
    let scope = this.#scopes.get(tenantScope);
    if (scope === undefined) {
      if (this.#scopes.size >= MAX_SCOPES) {
        // Never reached in practice (one scope per tenant identity); starting over keeps keys unique.
        this.#entries.clear();
        this.#scopes.clear();
        this.#bytes = 0;
        this.#refused.clear();
        this.#generation += 1;
      }
      scope = Object.freeze({ id: this.#scopes.size, generation: this.#generation });
      this.#scopes.set(tenantScope, scope);
    }
    return scope;
  }

  refuse(scope: ItemMemoScope): void {
    if (this.#owns(scope)) this.#refused.add(scope.id);
  }

  usable(scope: ItemMemoScope): boolean {
    return this.#owns(scope) && !this.#refused.has(scope.id);
  }

  lookup(scope: ItemMemoScope, block: number, headId: number, version: string): Buffer | undefined {
    const entry = this.#entries.get(key(scope, block, headId));
    if (entry === undefined || entry.version !== version || !this.#owns(scope)) {
      this.#misses += 1;
      return undefined;
    }
    entry.used = true;
    this.#hits += 1;
    return entry.encoded;
  }

  remember(scope: ItemMemoScope, block: number, headId: number, version: string, encoded: Buffer): void {
    const cost = encoded.length + ENTRY_OVERHEAD_BYTES;
    // An item larger than an eighth of the memo would evict too much to be worth keeping.
    if (cost * 8 > this.#maxBytes || !this.#owns(scope)) return;
    const k = key(scope, block, headId);
    const previous = this.#entries.get(k);
    if (previous !== undefined) {
      this.#entries.delete(k);
      this.#bytes -= previous.encoded.length + ENTRY_OVERHEAD_BYTES;
    }
    this.#entries.set(k, { version, encoded, used: false });
    this.#bytes += cost;
    this.#evict();
  }

  /** Oldest first; an entry used since its last pass is moved to the end once instead (second chance). */
  #evict(): void {
    let passes = this.#entries.size;
    for (const [k, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes || passes-- <= 0) break;
      this.#entries.delete(k);
      if (entry.used) {
        entry.used = false;
        this.#entries.set(k, entry);
      } else {
        this.#bytes -= entry.encoded.length + ENTRY_OVERHEAD_BYTES;
      }
    }
    // Every entry had been used: drop the oldest until within budget.
    for (const [k, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= entry.encoded.length + ENTRY_OVERHEAD_BYTES;
    }
  }

  /** A handle from before a reset (MAX_SCOPES) must not reach entries of the scope that now has its id. */
  #owns(scope: ItemMemoScope): boolean {
    return scope.generation === this.#generation;
  }
}

const key = (scope: ItemMemoScope, block: number, headId: number): number =>
  (scope.id * 4 + block) * 2 ** 32 + (headId >>> 0);

/** The memo scope of a tenant: its database id and connection string (a re-pointed tenant starts empty). */
export function itemMemoScope(tenant: { datenbankId: number; connectionString: string }): string {
  return `${tenant.datenbankId}\u0000${tenant.connectionString}`;
}
