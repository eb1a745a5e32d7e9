// The one reference to the active route table. Stages read it once per request through `current()`, so a
// request keeps the table it started with; a reload swaps the reference atomically (one assignment) and a
// rejected file leaves it alone. Pure state, no I/O: reading and watching the file is config/routes-watcher.
import type { RouteTable } from './route-table.js';

export interface RoutesLoadError {
  readonly at: Date;
  /** The EDGE_ROUTES_INVALID message: every problem with file:line:col and key. */
  readonly message: string;
}

export interface RouteTableHolder {
  current(): RouteTable;
  /** The file the table came from, or `(injected)`. */
  readonly source: string;
  /** When the current table was loaded. */
  readonly loadedAt: Date;
  /** Set while the file on disk is invalid (the running table stays); cleared by the next good load. */
  readonly lastError: RoutesLoadError | undefined;
  /** 1 for the table loaded at start, +1 per swap. */
  readonly generation: number;
}

export interface SwappableRouteTableHolder extends RouteTableHolder {
  swap(table: RouteTable, at: Date): void;
  reject(message: string, at: Date): void;
}

export function createRouteTableHolder(
  initial: RouteTable,
  source: string,
  at: Date = new Date(),
): SwappableRouteTableHolder {
  let table = initial;
  let loadedAt = at;
  let lastError: RoutesLoadError | undefined;
  let generation = 1;
  return {
    current: () => table,
    source,
    get loadedAt() {
      return loadedAt;
    },
    get lastError() {
      return lastError;
    },
    get generation() {
      return generation;
    },
    swap(next, when) {
      table = next;
      loadedAt = when;
      lastError = undefined;
      generation += 1;
    },
    reject(message, when) {
      lastError = Object.freeze({ at: when, message });
    },
  };
}

/** Stages accept a bare table (tests, fixed tables) or a holder; a bare table never changes. */
export type RouteTableSource = RouteTable | RouteTableHolder;

export function holderOf(source: RouteTableSource): RouteTableHolder {
  return 'current' in source ? source : createRouteTableHolder(source, '(injected)');
}
