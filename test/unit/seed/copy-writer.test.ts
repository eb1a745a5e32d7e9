import { describe, expect, it } from 'vitest';
import { copyText, encodeCopyRows } from '../../../src/seed/copy-writer.js';

describe('COPY text encoding', () => {
  it('escapes backslash, newline, carriage return and tab, and nothing else', () => {
    expect(copyText('a\\b\nc\rd\te')).toBe('a\\\\b\\nc\\rd\\te');
    expect(copyText('ä & < " \' ` 😀 \u0001')).toBe('ä & < " \' ` 😀 \u0001');
  });

  it('writes NULL, booleans and numbers in PostgreSQL text form', () => {
    expect(
      encodeCopyRows([
        [1, null, true, false, '\\N'],
        [2, '', 1.5, 'x', 'y'],
      ]),
    ).toBe('1\t\\N\tt\tf\t\\\\N\n2\t\t1.5\tx\ty\n');
  });
});
