// RowWriter over PostgreSQL COPY … FROM STDIN (text format). "streams" mode keeps one COPY open per
// table on its own connection so the tables load concurrently (only valid without foreign keys);
// "statements" mode runs one COPY per write call on a single connection (foreign keys may exist).
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import type { RowWriter } from './row-writer.js';
import type { Row, SqlValue, TableSpec } from './tenant-tables.js';

export interface CopyWriterOptions {
  /** Lends a connection; `release` is called when the writer is done with it. */
  acquire(): Promise<{ client: pg.ClientBase; release(err?: Error): void }>;
  mode: 'streams' | 'statements';
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPE_ALL = /[\\\n\r\t]/g;

/** One value in COPY text format. */
export function copyText(value: SqlValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPE_ALL, (c) => ESCAPES[c] as string) : value;
}

/** Rows in COPY text format, each line terminated by a newline. */
export function encodeCopyRows(rows: readonly Row[]): string {
  let out = '';
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < row.length; i += 1) line += (i === 0 ? '' : '\t') + copyText(row[i] as SqlValue);
    out += line + '\n';
  }
  return out;
}

/** Bytes a stream may hold unsent before the producer waits: keeps the server fed while generating. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * Waits until the stream holds at most MAX_BUFFERED_BYTES (or has failed). 'drain' would only fire
 * once the buffer is empty, leaving the server idle while the next batch is generated, hence polling.
 */
async function belowLimit(copy: OpenCopy): Promise<void> {
  while (copy.stream.writableLength > MAX_BUFFERED_BYTES && !copy.error && !copy.stream.destroyed) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const copySql = (table: TableSpec) => `COPY ${table.name} (${table.columns.join(', ')}) FROM STDIN`;

interface OpenCopy {
  stream: CopyStreamQuery;
  release(err?: Error): void;
  error?: Error;
}

export function createCopyWriter(options: CopyWriterOptions): RowWriter {
  return options.mode === 'streams' ? streamsWriter(options) : statementsWriter(options);
}

function statementsWriter(options: CopyWriterOptions): RowWriter {
  return {
    async write(table, rows) {
      if (rows.length === 0) return;
      const { client, release } = await options.acquire();
      try {
        const stream = client.query(copyFrom(copySql(table)));
        stream.end(encodeCopyRows(rows));
        await finished(stream);
        release();
      } catch (err) {
        release(err as Error);
        throw err;
      }
    },
    finish: async () => undefined,
  };
}

function streamsWriter(options: CopyWriterOptions): RowWriter {
  const open = new Map<string, Promise<OpenCopy>>();
  const start = async (table: TableSpec): Promise<OpenCopy> => {
    const { client, release } = await options.acquire();
    const stream = client.query(copyFrom(copySql(table)));
    const copy: OpenCopy = { stream, release };
    stream.on('error', (err: Error) => {
      copy.error ??= err;
    });
    return copy;
  };
  return {
    async write(table, rows) {
      if (rows.length === 0) return;
      let pending = open.get(table.name);
      if (!pending) {
        pending = start(table);
        open.set(table.name, pending);
      }
      const copy = await pending;
      if (copy.error) throw copy.error;
      copy.stream.write(encodeCopyRows(rows));
      await belowLimit(copy);
      if (copy.error) throw copy.error;
    },
    async finish() {
      const copies = await Promise.all(open.values());
      open.clear();
      const results = await Promise.allSettled(
        copies.map(async (copy) => {
          try {
            if (copy.error) throw copy.error;
            copy.stream.end();
            await finished(copy.stream);
            copy.release();
          } catch (err) {
            copy.release(err as Error);
            throw err;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
