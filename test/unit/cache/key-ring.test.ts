import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openValue, parseKeyRing, sealValue } from '../../../src/adapters/cache/key-ring.js';
import { decodeEntry, encodeEntry } from '../../../src/adapters/cache/entry-codec.js';
import { isEdgeError } from '../../../src/errors.js';
import { sampleEntry } from './cache-store-contract.js';

const k = () => randomBytes(32).toString('base64');

describe('parseKeyRing', () => {
  it('accepts a bare key (id 0)', () => {
    const ring = parseKeyRing(k());
    expect(ring.current.id).toBe('0');
    expect(ring.current.key.length).toBe(32);
  });

  it('uses the last key of id:key,id:key for writes and keeps all for reads', () => {
    const ring = parseKeyRing(`old:${k()}, new:${k()}`);
    expect(ring.current.id).toBe('new');
    expect([...ring.byId.keys()]).toEqual(['old', 'new']);
  });

  it('reports every problem at once and never echoes key material', () => {
    const secret = Buffer.alloc(16, 7).toString('base64');
    try {
      parseKeyRing(`a:${secret},a:${k()},bad id:${k()},b:${k()},b:${k()}`);
      expect.unreachable();
    } catch (err) {
      expect(isEdgeError(err, 'EDGE_CONFIG_INVALID')).toBe(true);
      const message = (err as Error).message;
      expect(message).toContain('entry 1 (id a): key must be 32 bytes');
      expect(message).toContain('entry 3: key id must match');
      expect(message).toContain('entry 5: duplicate key id b');
      expect(message).not.toContain(secret);
    }
    expect(() => parseKeyRing(' ')).toThrow(/empty/);
  });
});

describe('sealValue / openValue (AES-256-GCM)', () => {
  const ring = parseKeyRing(`r1:${k()},r2:${k()}`);
  const plaintext = encodeEntry(sampleEntry());

  it('round-trips and hides the plaintext', () => {
    const sealed = sealValue(ring, plaintext, 'edge:v1:abc:1');
    expect(sealed.includes(Buffer.from('prescriptions'))).toBe(false);
    const opened = openValue(ring, sealed, 'edge:v1:abc:1');
    expect(opened.ok && decodeEntry(opened.plaintext)?.etag).toBe(sampleEntry().etag);
  });

  it('uses a fresh IV per value', () => {
    expect(sealValue(ring, plaintext, 'x').equals(sealValue(ring, plaintext, 'x'))).toBe(false);
  });

  it('fails authentication when the value is moved to another key name', () => {
    const sealed = sealValue(ring, plaintext, 'edge:v1:tenant-a:1');
    expect(openValue(ring, sealed, 'edge:v1:tenant-b:1')).toEqual({ ok: false, reason: 'tampered' });
  });

  it('detects tampering', () => {
    const sealed = sealValue(ring, plaintext, 'x');
    sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 1;
    expect(openValue(ring, sealed, 'x')).toEqual({ ok: false, reason: 'tampered' });
  });

  it('treats a value under a retired key id as unknown', () => {
    const old = parseKeyRing(`r0:${k()}`);
    const sealed = sealValue(old, plaintext, 'x');
    expect(openValue(ring, sealed, 'x')).toEqual({ ok: false, reason: 'unknown-key' });
  });

  it('decrypts values of an older key still in the ring after rotation', () => {
    const before = parseKeyRing(`r1:${ring.byId.get('r1')?.key.toString('base64')}`);
    const sealed = sealValue(before, plaintext, 'x');
    expect(openValue(ring, sealed, 'x').ok).toBe(true);
  });

  it('rejects garbage', () => {
    expect(openValue(ring, Buffer.from('hello'), 'x')).toEqual({ ok: false, reason: 'malformed' });
    expect(decodeEntry(Buffer.from('nonsense'))).toBeUndefined();
  });
});
