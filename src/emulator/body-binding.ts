// [FromBody] binding of an [ApiController] action parameter named `request` (CONTRACT §2.3): JSON
// media type or 415, "A non-empty request body is required.", JsonException messages, then the
// implicit [Required] validation of the bound DTO. Returns the model or records ModelState errors.
import {
  deserializeBody,
  JsonBindError,
  type FieldType,
  type JsonModel,
  type ObjectSchema,
} from './json-binder.js';
import type { ModelState } from './model-state.js';

export interface RequestBody {
  readonly contentType: string | undefined;
  readonly bytes: Buffer;
  /** Kestrel's CanHaveBody: Content-Length > 0 or chunked. */
  readonly canHaveBody: boolean;
}

export type BodyBinding =
  | { readonly kind: 'bound'; readonly model: { [member: string]: JsonModel } }
  | { readonly kind: 'invalid' } // errors are in the ModelState
  | { readonly kind: 'unsupportedMediaType' };

const PARAMETER = 'request';

interface ParsedContentType {
  readonly type: string;
  readonly subtype: string;
  readonly charset: string | undefined;
}

function parseContentType(value: string | undefined): ParsedContentType | null {
  if (!value) return null;
  const [range = '', ...params] = value.split(';');
  const m = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\/([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*$/.exec(range);
  if (!m) return null;
  const charsetParam = params.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith('charset='));
  const charset = charsetParam?.slice('charset='.length).replace(/^"|"$/g, '').toLowerCase();
  return { type: (m[1] as string).toLowerCase(), subtype: (m[2] as string).toLowerCase(), charset };
}

/** SystemTextJsonInputFormatter reads application/json, text/json and application/*+json. */
function isJsonMediaType(ct: ParsedContentType): boolean {
  if (ct.type === 'application')
    return ct.subtype === 'json' || (ct.subtype.endsWith('+json') && ct.subtype.length > 5);
  return ct.type === 'text' && ct.subtype === 'json';
}

export function bindBody(body: RequestBody, schema: ObjectSchema, modelState: ModelState): BodyBinding {
  const ct = parseContentType(body.contentType);
  if (ct === null || !isJsonMediaType(ct)) return { kind: 'unsupportedMediaType' };
  if (!body.canHaveBody) return missingBody(modelState);
  let bytes: Uint8Array = body.bytes;
  if (ct.charset !== undefined && ct.charset !== 'utf-8') {
    // TextInputFormatter supports UTF-8 and UTF-16 (little endian); any other charset is a 415.
    if (ct.charset !== 'utf-16') return { kind: 'unsupportedMediaType' };
    bytes = Buffer.from(body.bytes.toString('utf16le'), 'utf8');
  }
  let model: JsonModel;
  try {
    model = deserializeBody(bytes, schema);
  } catch (err) {
    if (!(err instanceof JsonBindError)) throw err;
    modelState.addError(err.path, err.message);
    requireParameter(modelState);
    return { kind: 'invalid' };
  }
  if (model === null || typeof model !== 'object' || Array.isArray(model)) return missingBody(modelState);
  validateObject(model as { [member: string]: JsonModel }, schema, '', modelState);
  return modelState.isValid
    ? { kind: 'bound', model: model as { [member: string]: JsonModel } }
    : { kind: 'invalid' };
}

function missingBody(modelState: ModelState): BodyBinding {
  modelState.addError('', 'A non-empty request body is required.');
  requireParameter(modelState);
  return { kind: 'invalid' };
}

/** The parameter itself is a non-nullable reference: validation of the unset model adds this. */
function requireParameter(modelState: ModelState): void {
  modelState.addError(PARAMETER, `The ${PARAMETER} field is required.`);
}

const isMissing = (v: JsonModel) => v === null || (typeof v === 'string' && v.trim() === '');

/** ValidationVisitor order: each property's children first, then the property's own [Required]. */
function validateObject(
  obj: { [member: string]: JsonModel },
  schema: ObjectSchema,
  prefix: string,
  ms: ModelState,
): void {
  for (const member of schema.members) {
    const key = `${prefix}${member.name}`;
    const value = obj[member.name] ?? null;
    if (member.type.kind === 'list' && Array.isArray(value))
      validateList(value, member.type.element, key, ms);
    if (member.required && isMissing(value)) ms.addError(key, `The ${member.name} field is required.`);
  }
}

function validateList(items: JsonModel[], element: FieldType, key: string, ms: ModelState): void {
  if (element.kind !== 'object') return;
  items.forEach((item, i) => {
    if (item !== null && typeof item === 'object' && !Array.isArray(item))
      validateObject(item as { [member: string]: JsonModel }, element.schema, `${key}[${i}].`, ms);
  });
}
