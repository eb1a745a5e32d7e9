// A pull tokenizer with System.Text.Json's Utf8JsonReader rules and error texts (no comments, no
// trailing commas, max depth 32, positions counted in UTF-8 bytes per line), so that malformed
// bodies produce the legacy's ValidationProblemDetails messages. Pure.

export type TokenType =
  | 'StartObject'
  | 'EndObject'
  | 'StartArray'
  | 'EndArray'
  | 'PropertyName'
  | 'String'
  | 'Number'
  | 'True'
  | 'False'
  | 'Null';

export interface Token {
  readonly type: TokenType;
  /** Unescaped text of String/PropertyName tokens; raw text of Number tokens. */
  readonly text: string;
  /** A String whose bytes are not valid UTF-8 (transcoding it fails in .NET). */
  readonly invalidUtf8: boolean;
  /** Line (0-based) and BytePositionInLine after the token. */
  readonly line: number;
  readonly position: number;
}

export class JsonReaderError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly position: number,
  ) {
    super(`${reason} LineNumber: ${line} | BytePositionInLine: ${position}.`);
    this.name = 'JsonReaderError';
  }
}

const MAX_DEPTH = 32;
const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/** ThrowHelper.GetPrintableString */
function printable(b: number): string {
  return b >= 0x20 && b < 0x7f
    ? String.fromCharCode(b)
    : `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

const isWs = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const isHex = (b: number) => isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

type Expect = 'value' | 'propertyOrEnd' | 'property' | 'commaOrEnd' | 'done';

export class Utf8JsonReader {
  private i: number;
  private line = 0;
  private lineStart: number;
  private readonly stack: Array<'{' | '['> = [];
  private expect: Expect = 'value';
  private sawToken = false;
  private afterColon = false;
  private afterComma = false;

  constructor(private readonly bytes: Uint8Array) {
    // JsonSerializer skips a UTF-8 byte order mark.
    this.i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    this.lineStart = this.i;
  }

  private pos(at = this.i): number {
    return at - this.lineStart;
  }

  private fail(reason: string, at = this.i): never {
    throw new JsonReaderError(reason, this.line, this.pos(at));
  }

  private skipWs(): void {
    const b = this.bytes;
    while (this.i < b.length && isWs(b[this.i] as number)) {
      if (b[this.i] === 0x0a) {
        this.line++;
        this.lineStart = this.i + 1;
      }
      this.i++;
    }
  }

  private token(type: TokenType, text = '', invalidUtf8 = false): Token {
    this.sawToken = true;
    return { type, text, invalidUtf8, line: this.line, position: this.pos() };
  }

  /** The next token, or null at the end of a complete document. */
  read(): Token | null {
    this.skipWs();
    const b = this.bytes;
    if (this.i >= b.length) return this.endOfData();
    const c = b[this.i] as number;
    switch (this.expect) {
      case 'done':
        return this.fail(`'${printable(c)}' is invalid after a single JSON value. Expected end of data.`);
      case 'propertyOrEnd':
      case 'property':
        if (c === 0x7d && this.expect === 'propertyOrEnd') return this.close('{');
        if (c === 0x7d)
          return this.fail(
            'The JSON object contains a trailing comma at the end which is not supported in this mode. Change the reader options.',
          );
        if (c !== 0x22)
          return this.fail(`'${printable(c)}' is an invalid start of a property name. Expected a '"'.`);
        return this.propertyName();
      case 'commaOrEnd':
        if (c === 0x2c) {
          this.i++;
          this.afterComma = true;
          this.expect = this.stack[this.stack.length - 1] === '{' ? 'property' : 'value';
          return this.read();
        }
        if (c === 0x7d || c === 0x5d) return this.close(c === 0x7d ? '{' : '[');
        return this.fail(`'${printable(c)}' is invalid after a value. Expected either ',', '}', or ']'.`);
      case 'value':
        if (c === 0x5d && this.stack[this.stack.length - 1] === '[' && !this.afterColon) {
          if (this.afterComma)
            return this.fail(
              'The JSON array contains a trailing comma at the end which is not supported in this mode. Change the reader options.',
            );
          return this.close('[');
        }
        return this.value(c);
    }
  }

  private endOfData(): Token | null {
    if (!this.sawToken)
      return this.fail(
        'The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, while isFinalBlock is true.',
      );
    if (this.stack.length > 0 || this.expect !== 'done') {
      if (this.afterColon) return this.fail('Expected a value, but instead reached end of data.');
      return this.fail(
        'Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.',
      );
    }
    return null;
  }

  private close(kind: '{' | '['): Token {
    const top = this.stack[this.stack.length - 1];
    if (top !== kind) this.fail(`'${kind === '{' ? '}' : ']'}' is invalid without a matching open.`);
    this.stack.pop();
    this.i++;
    this.afterComma = false;
    this.completeValue();
    return this.token(kind === '{' ? 'EndObject' : 'EndArray');
  }

  private completeValue(): void {
    this.afterColon = false;
    this.afterComma = false;
    this.expect = this.stack.length === 0 ? 'done' : 'commaOrEnd';
  }

  private open(kind: '{' | '['): Token {
    if (this.stack.length >= MAX_DEPTH)
      this.fail(
        `The maximum configured depth of ${MAX_DEPTH} has been exceeded. Cannot read next JSON ${kind === '{' ? 'object' : 'array'}.`,
      );
    this.stack.push(kind);
    this.i++;
    this.afterColon = false;
    this.afterComma = false;
    this.expect = kind === '{' ? 'propertyOrEnd' : 'value';
    return this.token(kind === '{' ? 'StartObject' : 'StartArray');
  }

  private value(c: number): Token {
    if (c === 0x7b) return this.open('{');
    if (c === 0x5b) return this.open('[');
    if (c === 0x22) {
      const s = this.string();
      this.completeValue();
      return this.token('String', s.text, s.invalidUtf8);
    }
    if (c === 0x2d || isDigit(c)) {
      const raw = this.number();
      this.completeValue();
      return this.token('Number', raw);
    }
    if (c === 0x74) return this.literal('true', 'True');
    if (c === 0x66) return this.literal('false', 'False');
    if (c === 0x6e) return this.literal('null', 'Null');
    return this.fail(`'${printable(c)}' is an invalid start of a value.`);
  }

  private literal(word: string, type: TokenType): Token {
    const b = this.bytes;
    for (let k = 0; k < word.length; k++) {
      const at = this.i + k;
      if (at >= b.length || b[at] !== word.charCodeAt(k)) {
        const seen = lenient.decode(b.subarray(this.i, Math.min(at + 1, b.length)));
        this.fail(
          `'${seen}' is an invalid JSON literal. Expected the literal '${word}'.`,
          Math.min(at, b.length),
        );
      }
    }
    this.i += word.length;
    this.completeValue();
    return this.token(type);
  }

  private propertyName(): Token {
    const s = this.string();
    this.skipWs();
    const b = this.bytes;
    if (this.i >= b.length) this.fail('Expected a value, but instead reached end of data.');
    if (b[this.i] !== 0x3a)
      this.fail(`'${printable(b[this.i] as number)}' is invalid after a property name. Expected a ':'.`);
    const token = this.token('PropertyName', s.text, s.invalidUtf8);
    this.i++;
    this.afterColon = true;
    this.afterComma = false;
    this.expect = 'value';
    return token;
  }

  private string(): { text: string; invalidUtf8: boolean } {
    const b = this.bytes;
    let k = this.i + 1;
    let text = '';
    let runStart = k;
    let invalidUtf8 = false;
    const flush = (end: number) => {
      if (end <= runStart) return;
      const run = b.subarray(runStart, end);
      try {
        text += strict.decode(run);
      } catch {
        invalidUtf8 = true;
        text += lenient.decode(run);
      }
    };
    for (;;) {
      if (k >= b.length) this.fail('Expected end of string, but instead reached end of data.', b.length);
      const c = b[k] as number;
      if (c === 0x22) break;
      if (c < 0x20)
        this.fail(
          `'${printable(c)}' is invalid within a JSON string. The string should be correctly escaped.`,
          k,
        );
      if (c !== 0x5c) {
        k++;
        continue;
      }
      flush(k);
      const e = b[k + 1];
      if (e === undefined) this.fail('Expected end of string, but instead reached end of data.', b.length);
      const simple: Record<number, string> = {
        0x22: '"',
        0x5c: '\\',
        0x2f: '/',
        0x62: '\b',
        0x66: '\f',
        0x6e: '\n',
        0x72: '\r',
        0x74: '\t',
      };
      if (e in simple) {
        text += simple[e];
        k += 2;
      } else if (e === 0x75) {
        for (let h = 2; h < 6; h++) {
          const hb = b[k + h];
          if (hb === undefined)
            this.fail('Expected end of string, but instead reached end of data.', b.length);
          if (!isHex(hb))
            this.fail(
              `'${printable(hb)}' is not a hex digit following '\\u' within a JSON string. The string should be correctly escaped.`,
              k + h,
            );
        }
        text += String.fromCharCode(parseInt(lenient.decode(b.subarray(k + 2, k + 6)), 16));
        k += 6;
      } else {
        this.fail(
          `'${printable(e)}' is an invalid escapable character within a JSON string. The string should be correctly escaped.`,
          k + 1,
        );
      }
      runStart = k;
    }
    flush(k);
    this.i = k + 1;
    return { text, invalidUtf8 };
  }

  private number(): string {
    const b = this.bytes;
    const start = this.i;
    let k = this.i;
    const digitOrEnd = (msg: string) => {
      if (k >= b.length) this.fail("Expected a digit ('0'-'9'), but instead reached end of data.", k);
      if (!isDigit(b[k] as number)) this.fail(msg.replace('{0}', printable(b[k] as number)), k);
    };
    const afterSign =
      "'{0}' is invalid within a number, immediately after a sign character ('+' or '-'). Expected a digit ('0'-'9').";
    if (b[k] === 0x2d) {
      k++;
      digitOrEnd(afterSign);
    }
    if (b[k] === 0x30) {
      k++;
      if (k < b.length && isDigit(b[k] as number))
        this.fail(`Invalid leading zero before '${printable(b[k] as number)}'.`, k);
    } else while (k < b.length && isDigit(b[k] as number)) k++;
    if (b[k] === 0x2e) {
      k++;
      digitOrEnd(
        "'{0}' is invalid within a number, immediately after a decimal point ('.'). Expected a digit ('0'-'9').",
      );
      while (k < b.length && isDigit(b[k] as number)) k++;
    }
    if (b[k] === 0x65 || b[k] === 0x45) {
      k++;
      if (b[k] === 0x2b || b[k] === 0x2d) k++;
      digitOrEnd(afterSign);
      while (k < b.length && isDigit(b[k] as number)) k++;
    }
    if (k < b.length) {
      const d = b[k] as number;
      if (!isWs(d) && d !== 0x2c && d !== 0x7d && d !== 0x5d && d !== 0x2f)
        this.fail(`'${printable(d)}' is an invalid end of a number. Expected a delimiter.`, k);
    }
    this.i = k;
    return lenient.decode(b.subarray(start, k));
  }
}
