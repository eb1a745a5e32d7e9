// ItemMemo: an item is found only under the exact version and scope it was read with, the byte budget
// holds, entries used since the last pass survive eviction once, and the seed is an int8 text.
import { describe, expect, it } from 'vitest';
import { ItemMemo, itemMemoScope } from '../../../src/prescriptions/item-memo.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('ItemMemo', () => {
  it('finds an item only under its version, block, head id and tenant scope', () => {
    const memo = new ItemMemo({ maxBytes: 1 << 20, seed: 42n });
    const a = memo.scope(itemMemoScope({ datenbankId: 1, connectionString: 'Host=a;Database=x' }));
    const b = memo.scope(itemMemoScope({ datenbankId: 1, connectionString: 'Host=b;Database=x' }));
    memo.remember(a, 3, 100, 'v1', bytes('{"item":1,'));
    expect(memo.lookup(a, 3, 100, 'v1')?.toString()).toBe('{"item":1,');
    expect(memo.lookup(a, 3, 100, 'v2')).toBeUndefined(); // another version
    expect(memo.lookup(a, 2, 100, 'v1')).toBeUndefined(); // another type
    expect(memo.lookup(a, 3, 101, 'v1')).toBeUndefined(); // another prescription
    expect(memo.lookup(b, 3, 100, 'v1')).toBeUndefined(); // the tenant re-pointed to another database
    expect(memo.scope(itemMemoScope({ datenbankId: 1, connectionString: 'Host=a;Database=x' }))).toBe(a);
    expect(memo.stats()).toMatchObject({ hits: 1, misses: 4 });
    // A newer version replaces the older one.
    memo.remember(a, 3, 100, 'v2', bytes('{"item":2,'));
    expect(memo.lookup(a, 3, 100, 'v1')).toBeUndefined();
    expect(memo.lookup(a, 3, 100, 'v2')?.toString()).toBe('{"item":2,');
    expect(memo.size).toBe(1);
  });

  it('keeps within its byte budget, oldest first, but gives a used entry a second chance', () => {
    const item = Buffer.alloc(800, 0x61);
    // 800 bytes + 200 overhead per entry: eight fit in 8000.
    const memo = new ItemMemo({ maxBytes: 8000, seed: 1n });
    const s = memo.scope('t');
    for (let id = 1; id <= 8; id++) memo.remember(s, 1, id, 'v', item);
    expect(memo.size).toBe(8);
    expect(memo.lookup(s, 1, 1, 'v')).toBe(item); // the oldest is used ...
    memo.remember(s, 1, 9, 'v', item);
    // ... so the second oldest goes instead.
    expect(memo.lookup(s, 1, 1, 'v')).toBe(item);
    expect(memo.lookup(s, 1, 2, 'v')).toBeUndefined();
    expect(memo.lookup(s, 1, 9, 'v')).toBe(item);
    expect(memo.stats().bytes).toBeLessThanOrEqual(8000);
    expect(memo.size).toBe(8);
  });

  it('does not keep an item larger than an eighth of the budget', () => {
    const memo = new ItemMemo({ maxBytes: 8000, seed: 1n });
    const s = memo.scope('t');
    memo.remember(s, 1, 1, 'v', Buffer.alloc(900));
    expect(memo.size).toBe(0);
    memo.remember(s, 1, 1, 'v', Buffer.alloc(700));
    expect(memo.size).toBe(1);
  });

  it('has a random int8 seed per instance unless given one, and refuses a bad budget or seed', () => {
    const seeds = new Set(Array.from({ length: 5 }, () => new ItemMemo({ maxBytes: 1 }).seed));
    expect(seeds.size).toBe(5);
    for (const seed of seeds) {
      expect(seed).toMatch(/^-?\d+$/);
      expect(BigInt(seed) >= -(2n ** 63n) && BigInt(seed) < 2n ** 63n).toBe(true);
    }
    expect(new ItemMemo({ maxBytes: 1, seed: -5n }).seed).toBe('-5');
    expect(() => new ItemMemo({ maxBytes: 0 })).toThrow(RangeError);
    expect(() => new ItemMemo({ maxBytes: 1, seed: 2n ** 63n })).toThrow(RangeError);
  });
});

describe('ItemMemo.refuse', () => {
  it('marks one tenant scope as read inline from then on, the others stay usable', () => {
    const memo = new ItemMemo({ maxBytes: 1 << 20, seed: 3n });
    const views = memo.scope('tenant with views');
    const tables = memo.scope('tenant with tables');
    expect(memo.usable(views)).toBe(true);
    memo.refuse(views);
    expect(memo.usable(views)).toBe(false);
    expect(memo.usable(memo.scope('tenant with views'))).toBe(false);
    expect(memo.usable(tables)).toBe(true);
  });
});
