import { describe, expect, it } from 'vitest';
import { negotiate } from '../../../src/emulator/content-negotiation.js';

const ct = (kind: 'object' | 'string' | 'problem', accept?: string, acceptCharset?: string) => {
  const n = negotiate(kind, accept, acceptCharset);
  return `${n.mediaType}; charset=${n.charset}${n.json ? '' : ' (raw)'}`;
};

describe('negotiate (MVC output formatter selection)', () => {
  it('renders strings as raw text unless a JSON type comes first and no */* is present', () => {
    expect(ct('string')).toBe('text/plain; charset=utf-8 (raw)');
    expect(ct('string', 'application/json, text/plain, */*')).toBe('text/plain; charset=utf-8 (raw)');
    expect(ct('string', 'application/json')).toBe('application/json; charset=utf-8');
    expect(ct('string', 'text/*')).toBe('text/plain; charset=utf-8 (raw)');
    expect(ct('string', 'application/*')).toBe('application/json; charset=utf-8');
    expect(ct('string', 'text/plain;q=0.5, application/json')).toBe('application/json; charset=utf-8');
    expect(ct('string', 'application/json;v=2')).toBe('text/plain; charset=utf-8 (raw)'); // parameters must match
    expect(ct('string', 'application/json; q=0.9')).toBe('application/json; charset=utf-8'); // q is not one
  });

  it('always writes objects as JSON; only text/json-compatible ranges change the media type', () => {
    expect(ct('object', 'text/plain')).toBe('application/json; charset=utf-8');
    expect(ct('object', 'text/json')).toBe('text/json; charset=utf-8');
    expect(ct('object', 'text/*')).toBe('text/json; charset=utf-8');
    expect(ct('object', 'application/problem+json')).toBe('application/json; charset=utf-8');
    expect(ct('object', '*/*, text/json')).toBe('application/json; charset=utf-8');
  });

  it('writes ProblemDetails as application/problem+json and honours Accept-Charset', () => {
    expect(ct('problem', 'application/json')).toBe('application/problem+json; charset=utf-8');
    expect(ct('object', undefined, 'utf-16')).toBe('application/json; charset=utf-16');
    expect(ct('object', undefined, 'iso-8859-1, utf-16;q=0.5')).toBe('application/json; charset=utf-16');
    expect(ct('object', undefined, 'iso-8859-1')).toBe('application/json; charset=utf-8');
  });
});
