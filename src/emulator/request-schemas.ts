// The legacy's request DTOs (CONTRACT §3.6) as binder schemas: member order, CLR type names for
// JsonException messages, implicit [Required] of non-nullable reference types, C# initializers.
import type { FieldType, MemberSchema, ObjectSchema } from './json-binder.js';

const str: FieldType = { kind: 'string' };
const bool: FieldType = { kind: 'bool' };
const int16: FieldType = { kind: 'integer', bits: 16, nullable: true };
const int32: FieldType = { kind: 'integer', bits: 32, nullable: true };
const int64: FieldType = { kind: 'integer', bits: 64, nullable: true };

const listOf = (clrName: string, element: FieldType): FieldType => ({ kind: 'list', clrName, element });

export const BULK_STATUS_REQUEST: ObjectSchema = {
  clrName: 'ArzTi3Server.Domain.DTOs.V2.BulkStatusRequest',
  members: [
    {
      name: 'RezeptUuids',
      type: listOf('System.Collections.Generic.List`1[System.String]', str),
      required: true,
      absent: () => [],
    },
  ],
};

const PRESCRIPTION_UPDATE_DTO: ObjectSchema = {
  clrName: 'ArzTi3Server.Domain.DTOs.V2.PrescriptionUpdateDto',
  members: [
    { name: 'RezeptUuid', type: str, required: true },
    { name: 'Type', type: str, required: true },
    { name: 'TransferArz', type: bool },
    { name: 'Status', type: str },
  ],
};

export const BULK_UPDATE_REQUEST: ObjectSchema = {
  clrName: 'ArzTi3Server.Domain.DTOs.V2.BulkUpdateRequest',
  members: [
    {
      name: 'Updates',
      type: listOf('System.Collections.Generic.List`1[ArzTi3Server.Domain.DTOs.V2.PrescriptionUpdateDto]', {
        kind: 'object',
        schema: PRESCRIPTION_UPDATE_DTO,
      }),
      required: true,
      absent: () => [],
    },
  ],
};

const PRESCRIPTION_IDENTIFIER: ObjectSchema = {
  clrName: 'ArzTi3Server.Domain.DTOs.PrescriptionIdentifier',
  members: [
    { name: 'Type', type: str, required: true },
    { name: 'RezeptUuid', type: str, required: true },
  ],
};

export const BULK_OPERATION_REQUEST: ObjectSchema = {
  clrName: 'ArzTi3Server.Domain.DTOs.BulkOperationRequest',
  members: [
    {
      name: 'Prescriptions',
      type: listOf(
        'System.Collections.Generic.IEnumerable`1[ArzTi3Server.Domain.DTOs.PrescriptionIdentifier]',
        {
          kind: 'object',
          schema: PRESCRIPTION_IDENTIFIER,
        },
      ),
      required: true, // `= default!`: absent means null, which the implicit [Required] rejects
    },
  ],
};

/** The 24 writable ApothekeDto members, in declaration order. */
const APOTHEKE_MEMBERS: readonly MemberSchema[] = [
  { name: 'ApothekeName', type: str, required: true },
  { name: 'ApothekeNameZusatz', type: str },
  { name: 'ApoIkNr', type: { kind: 'integer', bits: 64, nullable: false }, absent: () => 0n },
  { name: 'InhaberVorname', type: str },
  { name: 'InhaberNachname', type: str },
  { name: 'ApoIntNr', type: int32 },
  { name: 'Plz', type: int32 },
  { name: 'Ort', type: str },
  { name: 'Strasse', type: str },
  { name: 'Email', type: str },
  { name: 'Telefon', type: str },
  { name: 'Mobil', type: str },
  { name: 'Fax', type: str },
  { name: 'Bemerkung', type: str },
  { name: 'Bundesland', type: str },
  { name: 'MandantType', type: str },
  { name: 'IdLeType', type: int16 },
  { name: 'IdHauptapotheke', type: int64 },
  { name: 'IdHtAnrede', type: int16 },
  { name: 'Filialapotheke', type: int16 },
  { name: 'Gesperrt', type: bool },
  { name: 'SecLogin', type: int32 },
  { name: 'SecLoginWerte', type: str },
  { name: 'SecLoginNurApoUser', type: bool },
];

export const CREATE_APOTHEKE_REQUEST: ObjectSchema = {
  clrName: 'ArzTi3Server.DTOs.CreateApothekeRequest',
  members: APOTHEKE_MEMBERS,
};

export const UPDATE_APOTHEKE_REQUEST: ObjectSchema = {
  clrName: 'ArzTi3Server.DTOs.UpdateApothekeRequest',
  members: APOTHEKE_MEMBERS,
};
