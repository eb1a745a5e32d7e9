// Order-stable md5 digests of whole tables and of the schema catalogue, for comparing two databases.
import type pg from 'pg';

export async function tableDigests(
  client: pg.Client,
  exclude: Record<string, string> = {},
): Promise<Record<string, string>> {
  const { rows } = await client.query<{ table_name: string; pk: string }>(
    `SELECT c.relname AS table_name, a.attname AS pk
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
      WHERE i.indisprimary AND c.relnamespace = 'public'::regnamespace
      ORDER BY 1`,
  );
  const digests: Record<string, string> = {};
  for (const { table_name, pk } of rows) {
    const hidden = exclude[table_name];
    const row = hidden ? `(to_jsonb(t) - '${hidden}')::text` : 't::text';
    const result = await client.query<{ d: string | null }>(
      `SELECT md5(string_agg(${row}, E'\\n' ORDER BY "${pk}")) AS d FROM "${table_name}" t`,
    );
    digests[table_name] = result.rows[0]?.d ?? 'empty';
  }
  return digests;
}

/** Columns, defaults, indexes, constraints and sequences of the public schema as one sorted text. */
export async function schemaSignature(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ sig: string }>(
    `SELECT string_agg(x, E'\\n' ORDER BY x) AS sig FROM (
       SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' ||
              coalesce(character_maximum_length::text, '') || ' ' || coalesce(datetime_precision::text, '') || ' ' ||
              is_nullable || ' ' || coalesce(column_default, '') || ' ' || ordinal_position
         FROM information_schema.columns WHERE table_schema = 'public'
       UNION ALL SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
       UNION ALL SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace
       UNION ALL SELECT 'seq ' || sequencename || ' ' || data_type FROM pg_sequences WHERE schemaname = 'public'
     ) s(x)`,
  );
  return rows[0]?.sig ?? '';
}
