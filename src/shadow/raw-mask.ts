// Masks the values of volatile members (by key name, anywhere in the text) in a raw JSON body, so two bodies
// can be compared byte for byte apart from timestamps. Works on latin1-decoded text: one char per byte, so
// nothing about the original bytes is lost or normalised.

const VALUE = String.raw`(?:"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false|null)`;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface RawMasker {
  /** `body` with every `"key": <value>` of a masked key replaced by `"key":"*"`, as latin1 text. */
  mask(body: Buffer): string;
}

export function createRawMasker(keys: readonly string[]): RawMasker {
  const unique = [...new Set(keys)];
  if (unique.length === 0) return { mask: (body) => body.toString('latin1') };
  const pattern = new RegExp(`"(${unique.map(escapeRegex).join('|')})"\\s*:\\s*${VALUE}`, 'g');
  return { mask: (body) => body.toString('latin1').replace(pattern, '"$1":"*"') };
}
