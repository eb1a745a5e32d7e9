// Type parsers that make node-postgres return values in the form the SqlDatabase port promises:
// exact text for int8/numeric/date/time/timestamp (never a lossy Number or a time-zone-shifted Date).
import pg from 'pg';

const OID = { INT8: 20, NUMERIC: 1700, DATE: 1082, TIME: 1083, TIMESTAMP: 1114, TIMESTAMPTZ: 1184 } as const;

const asText = (value: string): string => value;

/** A private type registry (no global mutation of pg.types). */
export function createPortTypes(): pg.CustomTypesConfig {
  const overrides = new Map<number, (v: string) => unknown>([
    [OID.INT8, asText],
    [OID.NUMERIC, asText],
    [OID.DATE, asText],
    [OID.TIME, asText],
    [OID.TIMESTAMP, asText],
    [OID.TIMESTAMPTZ, asText],
  ]);
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      overrides.get(oid) ?? pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
  };
}
