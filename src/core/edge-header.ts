// The `X-Edge` response header: the path that produced the answer as the FIRST token (tools split on ';'),
// then annotations such as `kill-switch`. Every response the edge writes or relays uses this one format.
import type { EdgePath } from './outcome.js';

/** Annotations are short tokens; `legacy; kill-switch`. */
export function formatEdgeHeader(path: EdgePath, tags: readonly string[] | undefined): string {
  return tags === undefined || tags.length === 0 ? path : `${path}; ${tags.join('; ')}`;
}

/** The tag every request decided while the kill switch is on carries. */
export const KILL_SWITCH_TAG = 'kill-switch';
