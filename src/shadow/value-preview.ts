// Short, safe renderings of values for mismatch logs and the admin read-out: at most 80 characters, never a
// credential-like member, never an XML payload (prescription XML carries patient data) — only its size.

export const MAX_PREVIEW_CHARS = 80;

const SECRET_KEY = /pass|secret|token|authori|credential|cookie|connection/i;
const XML_LIKE = /^\s*<[!?A-Za-z]/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function truncate(text: string, max = MAX_PREVIEW_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A value as it may appear in a log line; `secret` when its member name looks like a credential. */
export function previewValue(value: unknown, secret = false): string {
  if (value === undefined) return '(absent)';
  if (secret) return '[redacted]';
  if (typeof value === 'string') {
    if (XML_LIKE.test(value)) return `(xml, ${value.length} chars)`;
    return truncate(JSON.stringify(value));
  }
  if (Array.isArray(value)) return `[${value.length} items]`;
  if (value !== null && typeof value === 'object') return `{${Object.keys(value).length} keys}`;
  return truncate(String(value));
}

/** A piece of raw body text around a byte offset; replaced by a marker when it looks like XML. */
export function previewExcerpt(text: string, offset: number, radius = 30): string {
  const start = Math.max(0, offset - radius);
  const excerpt = text.slice(start, offset + radius);
  if (/<|\\u003c/i.test(excerpt)) return `(xml-like text at byte ${offset})`;
  // latin1 text of UTF-8 bytes: re-decode for display; a cut multi-byte char shows as U+FFFD.
  return truncate(JSON.stringify(Buffer.from(excerpt, 'latin1').toString('utf8')));
}
