import { describe, expect, it } from 'vitest';
import { ModelState } from '../../../src/emulator/model-state.js';

describe('ModelState (ModelStateDictionary enumeration order)', () => {
  it('enumerates the root first, then breadth-first, children ordered by length then ignoring case', () => {
    const ms = new ModelState();
    ms.addError('$.updates[0].type', 'json');
    ms.addError('request', 'required');
    ms.addError('Updates[10].Type', 'b');
    ms.addError('Updates[1].Type', 'a');
    ms.addError('', 'root');
    ms.addError('pageSize', 'p2');
    ms.addError('page', 'p1');
    expect(ms.entries().map(([k]) => k)).toEqual([
      '',
      'page',
      'request',
      'pageSize',
      'Updates[1].Type',
      'Updates[10].Type',
      '$.updates[0].type',
    ]);
  });

  it('keeps the first spelling of a key and collects repeated errors under it', () => {
    const ms = new ModelState();
    ms.addError('Page', 'one');
    ms.addError('page', 'two');
    expect(ms.entries()).toEqual([['Page', ['one', 'two']]]);
  });

  it('records at most 199 errors plus "The input was not valid." under the empty key', () => {
    const ms = new ModelState();
    for (let i = 0; i < 250; i++) ms.addError(`Updates[${i}].Type`, 'The Type field is required.');
    const entries = ms.entries();
    expect(entries[0]).toEqual(['', ['The input was not valid.']]);
    expect(entries).toHaveLength(200);
    expect(ms.isValid).toBe(false);
  });
});
