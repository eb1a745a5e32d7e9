import { describe, expect, it } from 'vitest';
import { ModelState } from '../../../src/emulator/model-state.js';
import { bindInt, bindString, parseQuery } from '../../../src/emulator/query-binding.js';

function int(query: string, name = 'page'): { value: number; errors: Array<[string, string[]]> } {
  const ms = new ModelState();
  const value = bindInt(parseQuery(query), name, 1, ms);
  return { value, errors: ms.entries() };
}

describe('query binding (SimpleTypeModelBinder)', () => {
  it('parses names ignoring case, keeps all values in order, decodes + and %XX leniently', () => {
    const q = parseQuery('Type=a+b&type=c&x=%E2%82%AC&bad=%E2%82&flag');
    expect(q.get('type')).toEqual(['a b', 'c']);
    expect(q.get('x')).toEqual(['€']);
    expect(q.get('bad')).toEqual(['%E2%82']);
    expect(q.get('flag')).toEqual(['']);
  });

  it('binds string? to the first value, empty or white space to null', () => {
    expect(bindString(parseQuery('type=E-Rezept&type=x'), 'type')).toBe('E-Rezept');
    expect(bindString(parseQuery('type=%20'), 'type')).toBeNull();
    expect(bindString(parseQuery(''), 'type')).toBeNull();
  });

  it('binds int like Int32Converter: white space, sign, hex forms', () => {
    expect(int('page=%20-3%20').value).toBe(-3);
    expect(int('page=%2B3').value).toBe(3);
    expect(int('page=0x1F').value).toBe(31);
    expect(int('page=%23ff').value).toBe(255);
    expect(int('page=%26hFFFFFFFF').value).toBe(-1);
    expect(int('').value).toBe(1);
  });

  it('records the MVC messages for invalid values', () => {
    expect(int('page=abc').errors).toEqual([['page', ["The value 'abc' is not valid for page."]]]);
    expect(int('page=1e3').errors).toEqual([['page', ["The value '1e3' is not valid for page."]]]);
    expect(int('page=%20').errors).toEqual([['page', ["The value ' ' is invalid."]]]);
    expect(int('page=x&page=2').errors).toEqual([['page', ["The value 'x,2' is not valid for page."]]]);
    expect(int('page=0x').errors).toEqual([['page', ['The input was not valid.']]]);
    expect(int('page=0x1FFFFFFFF').errors).toEqual([
      ['page', ["The value '0x1FFFFFFFF' is not valid for page."]],
    ]);
  });
});
