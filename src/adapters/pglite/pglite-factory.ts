// Creates in-memory PGlite instances with the port's parsers. initdb is the slow part (4–10 s on a busy
// 2-core box); snapshot + create({ from }) clones an initialised cluster in about a second instead.
// (A precompiled wasm module shared between instances was measured: it gains nothing.)
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_PORT_PARSERS } from './pglite-database.js';

/** An uncompressed data-directory tarball (`PGlite.dumpDataDir('none')`). */
export type PgliteSnapshot = Blob;

/** A fresh in-memory instance, initdb'd or (faster) restored from a snapshot. */
export function createPglite(options: { from?: PgliteSnapshot } = {}): Promise<PGlite> {
  return PGlite.create({
    parsers: PGLITE_PORT_PARSERS,
    ...(options.from ? { loadDataDir: options.from } : {}),
  });
}

/** The data directory of `pglite` (consistent: PGlite runs one statement at a time). */
export function snapshotPglite(pglite: PGlite): Promise<PgliteSnapshot> {
  return pglite.dumpDataDir('none');
}
