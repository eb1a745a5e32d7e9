// Binary form of a CachedEntry for stores outside the process (before encryption): a small JSON
// header with the metadata and segment lengths, then the segments back to back. No JSON of bodies.
import type { CachedEntry } from '../../core/cache-port.js';

const FORMAT_VERSION = 1;

interface Header {
  ct: string;
  etag: string;
  epoch: number;
  storedAt: number;
  freshUntil: number;
  keepUntil: number;
  lens: number[];
}

export function encodeEntry(entry: CachedEntry): Buffer {
  const header: Header = {
    ct: entry.contentType,
    etag: entry.etag,
    epoch: entry.epoch,
    storedAt: entry.storedAtMs,
    freshUntil: entry.freshUntilMs,
    keepUntil: entry.keepUntilMs,
    lens: entry.segments.map((s) => s.length),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(FORMAT_VERSION, 0);
  prefix.writeUInt32BE(headerBytes.length, 1);
  return Buffer.concat([prefix, headerBytes, ...entry.segments]);
}

/** Returns undefined for anything that is not a well-formed entry of this format version. */
export function decodeEntry(bytes: Buffer): CachedEntry | undefined {
  if (bytes.length < 5 || bytes.readUInt8(0) !== FORMAT_VERSION) return undefined;
  const headerLen = bytes.readUInt32BE(1);
  if (5 + headerLen > bytes.length) return undefined;
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(5, 5 + headerLen).toString('utf8')) as Header;
  } catch {
    return undefined;
  }
  if (!Array.isArray(header.lens) || header.lens.length === 0) return undefined;
  const segments: Buffer[] = [];
  let offset = 5 + headerLen;
  for (const len of header.lens) {
    if (!Number.isSafeInteger(len) || len < 0 || offset + len > bytes.length) return undefined;
    segments.push(bytes.subarray(offset, offset + len));
    offset += len;
  }
  if (offset !== bytes.length) return undefined;
  return Object.freeze({
    status: 200,
    contentType: header.ct,
    segments: Object.freeze(segments),
    etag: header.etag,
    epoch: header.epoch,
    storedAtMs: header.storedAt,
    freshUntilMs: header.freshUntil,
    keepUntilMs: header.keepUntil,
  });
}
