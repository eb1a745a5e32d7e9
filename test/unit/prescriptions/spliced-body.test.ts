import { describe, expect, it } from 'vitest';
import { formatUtcTicks } from '../../../src/core/stj-datetime.js';
import { stjString } from '../../../src/core/stj-json.js';
import {
  MAX_TIMESTAMP_BYTES,
  SplicedChunkBuilder,
  utcTimestampWriter,
  utcTimestamps,
} from '../../../src/prescriptions/spliced-body.js';

/** Deterministic strings mixing literal ASCII, escaped ASCII, Latin-1, BMP, pairs and lone surrogates. */
function sample(seed: number, length: number): string {
  const alphabet = [
    'a',
    'Z',
    '7',
    ' ',
    '<',
    '>',
    '&',
    '"',
    "'",
    '\\',
    '\n',
    '\t',
    '\x01',
    '\x7f',
    'ä',
    'ß',
    '€',
    '😀',
    '\ud800',
    '\udc00',
    '+',
    '`',
  ];
  let x = seed;
  let out = '';
  while (out.length < length) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += alphabet[x % alphabet.length];
  }
  return out;
}

function built(write: (b: SplicedChunkBuilder) => void, targetBytes = 256): string {
  const builder = new SplicedChunkBuilder(targetBytes);
  write(builder);
  return Buffer.concat(builder.finish().map((c) => c.bytes)).toString('latin1');
}

describe('SplicedChunkBuilder.writeJsonString', () => {
  it('writes exactly what stjString gives, across chunk boundaries and for strings larger than a chunk', () => {
    for (const length of [0, 1, 5, 40, 255, 256, 1000, 5000]) {
      for (let seed = 1; seed <= 8; seed++) {
        const texts = [sample(seed, length), sample(seed + 100, 17), 'plain ascii text'];
        const expected = 'x' + texts.map((t) => stjString(t)).join(',');
        const actual = built((b) => {
          b.write('x');
          texts.forEach((t, i) => {
            if (i > 0) b.write(',');
            b.writeJsonString(t);
          });
        });
        expect(actual).toBe(expected);
      }
    }
  });

  it('writes null for null and undefined', () => {
    expect(built((b) => (b.writeJsonString(null), b.writeJsonString(undefined)))).toBe('nullnull');
  });

  it('keeps slots at the right offsets after escaped strings', () => {
    const builder = new SplicedChunkBuilder(256);
    builder.writeJsonString('<a>');
    builder.slot();
    builder.write('!');
    const [chunk] = builder.finish();
    expect(chunk?.bytes.toString('latin1')).toBe('"\\u003Ca\\u003E"!');
    expect(chunk?.slots).toEqual([15]);
  });
});

describe('utcTimestampWriter', () => {
  it('continues one tick after its previous value when not asked for a fresh read, and never goes back', () => {
    let reads = 0;
    const write = utcTimestampWriter(() => {
      reads += 1;
      return 17622492720000000n; // a clock stuck at one value
    });
    const target = Buffer.alloc(64);
    const texts = [true, false, false, true].map((fresh) =>
      target.toString('latin1', 0, write(target, 0, fresh)),
    );
    expect(texts).toEqual([
      '2025-11-04T09:41:12Z',
      '2025-11-04T09:41:12.0000001Z',
      '2025-11-04T09:41:12.0000002Z',
      '2025-11-04T09:41:12.0000003Z',
    ]);
    expect(reads).toBe(2);
  });

  it('writes byte for byte what formatUtcTicks returns, for every fraction shape and across seconds', () => {
    const base = 17622492720000000n; // a whole second
    const fractions = [
      0n,
      1n,
      10n,
      100n,
      1000n,
      10000n,
      100000n,
      1000000n,
      1234567n,
      9999999n,
      5000000n,
      1200000n,
      120n,
    ];
    const ticks: bigint[] = [];
    for (let second = 0n; second < 3n; second++)
      for (const f of fractions) ticks.push(base + second * 10_000_000n + f);
    ticks.sort((a, b) => (a < b ? -1 : 1)); // a clock only ever moves forward
    let i = 0;
    let j = 0;
    const write = utcTimestampWriter(() => ticks[i++]!);
    const texts = utcTimestamps(() => ticks[j++]!);
    const target = Buffer.alloc(64);
    for (const tick of ticks) {
      target.fill(0x7e);
      const text = formatUtcTicks(tick);
      const length = write(target, 3);
      expect(target.toString('latin1', 3, 3 + length)).toBe(text);
      expect(length).toBeLessThanOrEqual(MAX_TIMESTAMP_BYTES);
      expect(target[3 + length]).toBe(0x7e);
      expect(texts()).toBe(text);
    }
  });
});
