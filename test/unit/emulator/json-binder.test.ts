import { describe, expect, it } from 'vitest';
import { deserializeBody, JsonBindError } from '../../../src/emulator/json-binder.js';
import {
  BULK_OPERATION_REQUEST,
  BULK_STATUS_REQUEST,
  BULK_UPDATE_REQUEST,
  CREATE_APOTHEKE_REQUEST,
} from '../../../src/emulator/request-schemas.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

function bindError(body: string, schema = BULK_UPDATE_REQUEST): { path: string; message: string } {
  try {
    deserializeBody(bytes(body), schema);
  } catch (err) {
    if (err instanceof JsonBindError) return { path: err.path, message: err.message };
    throw err;
  }
  throw new Error('expected a JsonBindError');
}

describe('deserializeBody (System.Text.Json web defaults)', () => {
  it('matches member names ignoring case, lets the last duplicate win and skips unknown members', () => {
    expect(
      deserializeBody(
        bytes(
          '{"UPDATES":[{"RezeptUUID":"a","type":"x","extra":{"deep":[1,2,{"z":null}]}}],"updates":[{"type":"E"}]}',
        ),
        BULK_UPDATE_REQUEST,
      ),
    ).toEqual({ Updates: [{ RezeptUuid: null, Type: 'E', TransferArz: null, Status: null }] });
  });

  it('applies C# initializers for absent members', () => {
    expect(deserializeBody(bytes('{}'), BULK_STATUS_REQUEST)).toEqual({ RezeptUuids: [] });
    expect(deserializeBody(bytes('{}'), BULK_OPERATION_REQUEST)).toEqual({ Prescriptions: null });
    expect(deserializeBody(bytes('{"apothekeName":"A"}'), CREATE_APOTHEKE_REQUEST)).toMatchObject({
      ApoIkNr: 0n,
      Plz: null,
    });
  });

  it('reads numbers from JSON strings but not fractions, exponents or out-of-range values', () => {
    expect(
      deserializeBody(
        bytes('{"apoIkNr":"9223372036854775807","plz":"-50667","idLeType":7}'),
        CREATE_APOTHEKE_REQUEST,
      ),
    ).toMatchObject({
      ApoIkNr: 9223372036854775807n,
      Plz: -50667,
      IdLeType: 7,
    });
    expect(bindError('{"plz":1.5}', CREATE_APOTHEKE_REQUEST)).toEqual({
      path: '$.plz',
      message:
        'The JSON value could not be converted to System.Nullable`1[System.Int32]. Path: $.plz | LineNumber: 0 | BytePositionInLine: 10.',
    });
    expect(bindError('{"idLeType":40000}', CREATE_APOTHEKE_REQUEST).message).toContain(
      'System.Nullable`1[System.Int16]',
    );
    expect(bindError('{"apoIkNr":null}', CREATE_APOTHEKE_REQUEST).message).toContain(
      'converted to System.Int64. Path: $.apoIkNr',
    );
    expect(bindError('{"plz":" 1"}', CREATE_APOTHEKE_REQUEST).path).toBe('$.plz');
  });

  it('rejects booleans given as strings and wrong container types with the CLR type name', () => {
    expect(bindError('{"updates":{}}').message).toBe(
      'The JSON value could not be converted to System.Collections.Generic.List`1[ArzTi3Server.Domain.DTOs.V2.PrescriptionUpdateDto]. Path: $.updates | LineNumber: 0 | BytePositionInLine: 12.',
    );
    expect(bindError('[]').message).toBe(
      'The JSON value could not be converted to ArzTi3Server.Domain.DTOs.V2.BulkUpdateRequest. Path: $ | LineNumber: 0 | BytePositionInLine: 1.',
    );
    expect(bindError('{"prescriptions":[1]}', BULK_OPERATION_REQUEST).message).toContain(
      'ArzTi3Server.Domain.DTOs.PrescriptionIdentifier. Path: $.prescriptions[0]',
    );
  });

  it('reports reader errors with the current path, line and byte position', () => {
    expect(bindError('{"updates":[{"type":"a",}]}')).toEqual({
      path: '$.updates[0]',
      message:
        'The JSON object contains a trailing comma at the end which is not supported in this mode. Change the reader options. Path: $.updates[0] | LineNumber: 0 | BytePositionInLine: 24.',
    });
    expect(bindError('{\n  "updates": [\n    1 2\n  ]\n}').message).toBe(
      'The JSON value could not be converted to ArzTi3Server.Domain.DTOs.V2.PrescriptionUpdateDto. Path: $.updates[0] | LineNumber: 2 | BytePositionInLine: 5.',
    );
    expect(bindError('{"rezeptUuids":["a" "b"]}', BULK_STATUS_REQUEST).message).toBe(
      "'\"' is invalid after a value. Expected either ',', '}', or ']'. Path: $.rezeptUuids[1] | LineNumber: 0 | BytePositionInLine: 20.",
    );
    expect(bindError('{"updates":[').message).toBe(
      'Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed. Path: $.updates[0] | LineNumber: 0 | BytePositionInLine: 12.',
    );
    expect(bindError('   ').message).toBe(
      'The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, while isFinalBlock is true. Path: $ | LineNumber: 0 | BytePositionInLine: 3.',
    );
    expect(bindError('{} x').message).toBe(
      "'x' is invalid after a single JSON value. Expected end of data. Path: $ | LineNumber: 0 | BytePositionInLine: 3.",
    );
    expect(bindError('{"a":tru}').message).toBe(
      "'tru}' is an invalid JSON literal. Expected the literal 'true'. Path: $.a | LineNumber: 0 | BytePositionInLine: 8.",
    );
    expect(bindError('{"a":"x\ny"}').message).toContain("'0x0A' is invalid within a JSON string.");
    expect(bindError('{/*c*/}').message).toContain("'/' is an invalid start of a property name.");
  });

  it('uses the payload member name in paths, bracketed when it has special characters', () => {
    expect(bindError('{"UpDaTeS":[{"TRANSFERARZ":1}]}').path).toBe('$.UpDaTeS[0].TRANSFERARZ');
    expect(bindError('{"a b":[}').path).toBe("$['a b']");
  });

  it('skips a UTF-8 byte order mark and treats a top-level null as no value', () => {
    expect(
      deserializeBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('{}')]), BULK_STATUS_REQUEST),
    ).toEqual({
      RezeptUuids: [],
    });
    expect(deserializeBody(bytes('null'), BULK_STATUS_REQUEST)).toBeNull();
  });
});
