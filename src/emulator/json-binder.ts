// JsonSerializer.Deserialize with MVC's web defaults for the legacy's request DTOs: case-insensitive
// member names (last duplicate wins), unknown members skipped, numbers also from JSON strings, and
// JsonException messages/paths ("… Path: $.updates[0].type | LineNumber: 0 | BytePositionInLine: 9.").
// Streaming like the real serializer: the first problem in document order wins. Pure.
import { JsonReaderError, Utf8JsonReader, type Token } from './json-reader.js';

export type FieldType =
  | { readonly kind: 'string' }
  | { readonly kind: 'bool' } // bool?
  | { readonly kind: 'integer'; readonly bits: 16 | 32 | 64; readonly nullable: boolean }
  | { readonly kind: 'list'; readonly clrName: string; readonly element: FieldType }
  | { readonly kind: 'object'; readonly schema: ObjectSchema };

export interface MemberSchema {
  /** C# property name; the JSON name is its camelCase form, matched ignoring case. */
  readonly name: string;
  readonly type: FieldType;
  /** Implicit [Required] of a non-nullable reference type. */
  readonly required?: boolean;
  /** Value when the member is absent (C# initializer); null otherwise. */
  readonly absent?: () => JsonModel;
}

export interface ObjectSchema {
  readonly clrName: string;
  readonly members: readonly MemberSchema[];
}

export type JsonModel =
  string | number | bigint | boolean | null | JsonModel[] | { [member: string]: JsonModel };

export class JsonBindError extends Error {
  constructor(
    /** JsonException.Path, the ModelState key. */
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'JsonBindError';
  }
}

const INT_NAMES = { 16: 'System.Int16', 32: 'System.Int32', 64: 'System.Int64' } as const;
const RANGES = { 16: 2n ** 15n, 32: 2n ** 31n, 64: 2n ** 63n } as const;

function clrName(type: FieldType): string {
  switch (type.kind) {
    case 'string':
      return 'System.String';
    case 'bool':
      return 'System.Nullable`1[System.Boolean]';
    case 'integer':
      return type.nullable ? `System.Nullable\`1[${INT_NAMES[type.bits]}]` : INT_NAMES[type.bits];
    case 'list':
      return type.clrName;
    case 'object':
      return type.schema.clrName;
  }
}

// Characters that make JsonPath write ['name'] instead of .name
const SPECIAL = /[.\s'/"[\]()\\\u0085\u2028\u2029]/;

class Deserializer {
  private readonly path: string[] = [];

  constructor(private readonly reader: Utf8JsonReader) {}

  private pathText(): string {
    return '$' + this.path.join('');
  }

  private next(): Token {
    try {
      const t = this.reader.read();
      if (t === null) throw new Error('unreachable: end of document inside a value');
      return t;
    } catch (err) {
      if (err instanceof JsonReaderError) {
        const p = this.pathText();
        throw new JsonBindError(
          p,
          `${err.reason} Path: ${p} | LineNumber: ${err.line} | BytePositionInLine: ${err.position}.`,
        );
      }
      throw err;
    }
  }

  private cannotConvert(type: FieldType, at: Token): never {
    const p = this.pathText();
    throw new JsonBindError(
      p,
      `The JSON value could not be converted to ${clrName(type)}. Path: ${p} | LineNumber: ${at.line} | BytePositionInLine: ${at.position}.`,
    );
  }

  document(schema: ObjectSchema): JsonModel {
    const type: FieldType = { kind: 'object', schema };
    const value = this.value(type, this.next());
    this.expectEnd();
    return value;
  }

  private expectEnd(): void {
    try {
      if (this.reader.read() !== null) throw new Error('unreachable: token after the root value');
    } catch (err) {
      if (err instanceof JsonReaderError)
        throw new JsonBindError(
          '$',
          `${err.reason} Path: $ | LineNumber: ${err.line} | BytePositionInLine: ${err.position}.`,
        );
      throw err;
    }
  }

  private value(type: FieldType, t: Token): JsonModel {
    if (t.type === 'Null') {
      if (type.kind === 'integer' && !type.nullable) this.cannotConvert(type, t);
      return null;
    }
    switch (type.kind) {
      case 'string':
        if (t.type !== 'String' || t.invalidUtf8) this.cannotConvert(type, t);
        return t.text;
      case 'bool':
        if (t.type === 'True') return true;
        if (t.type === 'False') return false;
        return this.cannotConvert(type, t);
      case 'integer':
        return this.integer(type, t);
      case 'list':
        if (t.type !== 'StartArray') this.cannotConvert(type, t);
        return this.list(type.element);
      case 'object':
        if (t.type !== 'StartObject') this.cannotConvert(type, t);
        return this.object(type.schema);
    }
  }

  private integer(type: Extract<FieldType, { kind: 'integer' }>, t: Token): JsonModel {
    // Number tokens must be integral (TryGetInt32 & co.); strings are allowed (AllowReadingFromString).
    const text = t.type === 'Number' ? t.text : t.type === 'String' && !t.invalidUtf8 ? t.text : null;
    const pattern = t.type === 'Number' ? /^-?\d+$/ : /^[+-]?\d+$/;
    if (text === null || !pattern.test(text)) return this.cannotConvert(type, t);
    const value = BigInt(text);
    const limit = RANGES[type.bits];
    if (value < -limit || value >= limit) return this.cannotConvert(type, t);
    return type.bits === 64 ? value : Number(value);
  }

  private list(element: FieldType): JsonModel[] {
    const items: JsonModel[] = [];
    for (;;) {
      this.path.push(`[${items.length}]`);
      const t = this.next();
      if (t.type === 'EndArray') {
        this.path.pop();
        return items;
      }
      items.push(this.value(element, t));
      this.path.pop();
    }
  }

  private object(schema: ObjectSchema): JsonModel {
    const result: { [member: string]: JsonModel } = {};
    for (const m of schema.members) result[m.name] = m.absent ? m.absent() : null;
    for (;;) {
      const t = this.next();
      if (t.type === 'EndObject') return result;
      // t is a PropertyName
      const member = schema.members.find((m) => m.name.toLowerCase() === t.text.toLowerCase());
      this.path.push(SPECIAL.test(t.text) ? `['${t.text}']` : `.${t.text}`);
      const valueToken = this.next();
      if (member) result[member.name] = this.value(member.type, valueToken);
      else this.skip(valueToken);
      this.path.pop();
    }
  }

  private skip(t: Token): void {
    if (t.type !== 'StartObject' && t.type !== 'StartArray') return;
    let depth = 1;
    while (depth > 0) {
      const n = this.next();
      if (n.type === 'StartObject' || n.type === 'StartArray') depth++;
      else if (n.type === 'EndObject' || n.type === 'EndArray') depth--;
    }
  }
}

/** Deserializes a request body; throws JsonBindError like the legacy's JsonException. A JSON null yields null. */
export function deserializeBody(bytes: Uint8Array, schema: ObjectSchema): JsonModel {
  return new Deserializer(new Utf8JsonReader(bytes)).document(schema);
}
