// Reads the body of PATCH /v2/rezept/statusuuid when — and only when — it is the plain shape
// {"rezeptUuids":[ "…", … ]} that System.Text.Json binds without surprises (CONTRACT §2.6, §3.6).
// Anything else (BOM, invalid UTF-8, comments, trailing commas, other or case-variant or duplicated
// members, nulls, non-strings, lone surrogates) yields undefined: the caller forwards it to the legacy.

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The uuids in request order (duplicates kept), [] for `{}`, or undefined when unsure. */
export function parseBulkStatusBody(body: Uint8Array): string[] | undefined {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    return undefined;
  }
  const p = new Parser(text);
  return p.document();
}

class Parser {
  private i = 0;

  constructor(private readonly s: string) {}

  document(): string[] | undefined {
    this.ws();
    if (!this.eat('{')) return undefined;
    this.ws();
    let uuids: string[] = [];
    if (!this.eat('}')) {
      const name = this.string();
      if (name !== 'rezeptUuids') return undefined;
      this.ws();
      if (!this.eat(':')) return undefined;
      this.ws();
      const list = this.stringArray();
      if (list === undefined) return undefined;
      uuids = list;
      this.ws();
      if (!this.eat('}')) return undefined;
    }
    this.ws();
    return this.i === this.s.length ? uuids : undefined;
  }

  private stringArray(): string[] | undefined {
    if (!this.eat('[')) return undefined;
    const out: string[] = [];
    this.ws();
    if (this.eat(']')) return out;
    for (;;) {
      const value = this.string();
      if (value === undefined) return undefined;
      out.push(value);
      this.ws();
      if (this.eat(']')) return out;
      if (!this.eat(',')) return undefined;
      this.ws();
    }
  }

  /** A JSON string with strict escapes; rejects control characters and unpaired surrogates. */
  private string(): string | undefined {
    const s = this.s;
    if (s.charCodeAt(this.i) !== 0x22) return undefined;
    let i = this.i + 1;
    let out = '';
    let runStart = i;
    for (;;) {
      if (i >= s.length) return undefined;
      const c = s.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) return undefined;
      if (c !== 0x5c) {
        i += 1;
        continue;
      }
      out += s.slice(runStart, i);
      const e = s.charCodeAt(i + 1);
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        i += 2;
      } else if (e === 0x75) {
        const hex = s.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return undefined;
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else {
        return undefined;
      }
      runStart = i;
    }
    out += s.slice(runStart, i);
    this.i = i + 1;
    // Escaped surrogates must pair up; raw ones cannot occur in valid UTF-8 input.
    return hasLoneSurrogate(out) ? undefined : out;
  }

  private ws(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i += 1;
      else return;
    }
  }

  private eat(ch: string): boolean {
    if (this.s[this.i] !== ch) return false;
    this.i += 1;
    return true;
  }
}

const SIMPLE_ESCAPES: Record<number, string> = {
  0x22: '"',
  0x5c: '\\',
  0x2f: '/',
  0x62: '\b',
  0x66: '\f',
  0x6e: '\n',
  0x72: '\r',
  0x74: '\t',
};

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return true;
    i += 1;
  }
  return false;
}
