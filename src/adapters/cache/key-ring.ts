// The keys that encrypt L2 values (AES-256-GCM), parsed from EDGE_CACHE_KEY. Several keys allow
// rotation: the newest (last) encrypts, all of them decrypt; a value under an unknown id is a miss.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EdgeError } from '../../errors.js';

export interface SealingKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface KeyRing {
  /** The key new values are written with. */
  readonly current: SealingKey;
  readonly byId: ReadonlyMap<string, SealingKey>;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Accepts `base64` (one key, id `0`) or `id:base64,id:base64,…` where the **last** entry is the
 * newest. Rotation: append a new key on every instance, then drop the old one once values written
 * under it have expired (the entry TTL). Reports every problem at once and never echoes key bytes.
 */
export function parseKeyRing(spec: string): KeyRing {
  const problems: string[] = [];
  const parts = spec
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) problems.push('EDGE_CACHE_KEY is empty');
  const keys: SealingKey[] = [];
  parts.forEach((part, index) => {
    const colon = part.indexOf(':');
    const id = colon === -1 ? (parts.length === 1 ? '0' : '') : part.slice(0, colon);
    const material = colon === -1 ? part : part.slice(colon + 1);
    if (!KEY_ID.test(id)) {
      problems.push(`EDGE_CACHE_KEY entry ${index + 1}: key id must match ${KEY_ID.source}`);
      return;
    }
    if (!BASE64_32_BYTES.test(material)) {
      problems.push(`EDGE_CACHE_KEY entry ${index + 1} (id ${id}): key must be 32 bytes in base64`);
      return;
    }
    if (keys.some((k) => k.id === id)) {
      problems.push(`EDGE_CACHE_KEY entry ${index + 1}: duplicate key id ${id}`);
      return;
    }
    keys.push(Object.freeze({ id, key: Buffer.from(material, 'base64') }));
  });
  const current = keys.at(-1);
  if (problems.length > 0 || current === undefined) {
    throw new EdgeError('EDGE_CONFIG_INVALID', problems.join('; ') || 'EDGE_CACHE_KEY holds no key');
  }
  return Object.freeze({ current, byId: new Map(keys.map((k) => [k.id, k])) });
}

const ENVELOPE_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * `[version 1B][idLen 1B][id][iv 12B][tag 16B][ciphertext]`. The additional authenticated data is
 * the envelope header plus `context` (the Redis key name), so a value copied to another key — e.g.
 * another tenant's — fails authentication instead of being served.
 */
export function sealValue(ring: KeyRing, plaintext: Buffer, context: string): Buffer {
  const { id, key } = ring.current;
  const idBytes = Buffer.from(id, 'ascii');
  const header = Buffer.concat([Buffer.from([ENVELOPE_VERSION, idBytes.length]), idBytes]);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.concat([header, Buffer.from(context, 'utf8')]));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
}

export type OpenResult =
  { ok: true; plaintext: Buffer } | { ok: false; reason: 'malformed' | 'unknown-key' | 'tampered' };

export function openValue(ring: KeyRing, sealed: Buffer, context: string): OpenResult {
  if (sealed.length < 2 || sealed[0] !== ENVELOPE_VERSION) return { ok: false, reason: 'malformed' };
  const idLen = sealed[1] ?? 0;
  const headerLen = 2 + idLen;
  if (sealed.length < headerLen + IV_BYTES + TAG_BYTES) return { ok: false, reason: 'malformed' };
  const id = sealed.subarray(2, headerLen).toString('ascii');
  const entry = ring.byId.get(id);
  if (entry === undefined) return { ok: false, reason: 'unknown-key' };
  const iv = sealed.subarray(headerLen, headerLen + IV_BYTES);
  const tag = sealed.subarray(headerLen + IV_BYTES, headerLen + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', entry.key, iv);
    decipher.setAAD(Buffer.concat([sealed.subarray(0, headerLen), Buffer.from(context, 'utf8')]));
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([
      decipher.update(sealed.subarray(headerLen + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]);
    return { ok: true, plaintext };
  } catch {
    return { ok: false, reason: 'tampered' };
  }
}
