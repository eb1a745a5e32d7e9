// Hot reload of routes.yaml: re-read on change (fs.watch on the DIRECTORY, so editors and ConfigMaps that
// replace the file by rename are seen; debounced) and on demand (SIGHUP, admin). A valid file is swapped in
// with one reference assignment; an invalid one is rejected, logged and remembered on the holder while the
// running table stays. Identical content is a no-op. Never throws into its caller.
import { createHash } from 'node:crypto';
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { EdgeLogger } from '../core/request-context.js';
import type { RouteTable } from '../core/route-table.js';
import type { SwappableRouteTableHolder } from '../core/route-table-holder.js';
import { EdgeError, isEdgeError } from '../errors.js';
import { parseRouteTable } from './routes-file.js';

export type ReloadTrigger = 'watch' | 'signal' | 'admin';

export type ReloadResult =
  | { readonly outcome: 'applied'; readonly generation: number }
  | { readonly outcome: 'unchanged' }
  | { readonly outcome: 'rejected'; readonly message: string };

export interface RoutesFileText {
  readonly text: string;
  readonly table: RouteTable;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new EdgeError(
      'EDGE_ROUTES_INVALID',
      `routes file ${file} cannot be read: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** The start-up load (throws EDGE_ROUTES_INVALID like loadRouteTable), keeping the text as reload baseline. */
export function readRoutesFile(file: string): RoutesFileText {
  const text = readText(file);
  return { text, table: parseRouteTable(text, file) };
}

export interface RoutesReloaderOptions {
  readonly file: string;
  readonly holder: SwappableRouteTableHolder;
  /** The text the holder's current table was parsed from. */
  readonly initialText: string;
  /** After a swap (kill switch source, logging of mode changes). */
  readonly onApplied: (table: RouteTable, previous: RouteTable) => void;
  /** Every reload attempt (metrics). */
  readonly onOutcome: (result: ReloadResult) => void;
  readonly log: EdgeLogger;
  readonly debounceMs?: number;
  readonly now?: () => Date;
}

export interface RoutesReloader {
  reload(trigger: ReloadTrigger): ReloadResult;
  /** Starts watching the file's directory; a watch that cannot start is logged (SIGHUP still works). */
  watch(): void;
  close(): void;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function createRoutesReloader(options: RoutesReloaderOptions): RoutesReloader {
  const { file, holder, log } = options;
  const debounceMs = options.debounceMs ?? 200;
  const now = options.now ?? (() => new Date());
  let lastSeen = sha256(options.initialText);
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function reload(trigger: ReloadTrigger): ReloadResult {
    let result: ReloadResult;
    let text: string | undefined;
    try {
      text = readText(file);
      const hash = sha256(text);
      if (hash === lastSeen) {
        result = { outcome: 'unchanged' };
      } else {
        lastSeen = hash;
        const table = parseRouteTable(text, file);
        const previous = holder.current();
        holder.swap(table, now());
        result = { outcome: 'applied', generation: holder.generation };
        log.info(
          { trigger, file, generation: holder.generation, routes: table.routes.length },
          'routes reloaded',
        );
        options.onApplied(table, previous);
      }
    } catch (err) {
      const message = isEdgeError(err) ? err.message : `routes reload failed: ${String(err)}`;
      // An unreadable file (mid-rename) is retried on the next event; a parsed-invalid one only when it changes.
      if (text === undefined) lastSeen = '';
      holder.reject(message, now());
      result = { outcome: 'rejected', message };
      log.error(
        { trigger, file, code: 'EDGE_ROUTES_INVALID', problems: message },
        'routes reload rejected; the running table stays',
      );
    }
    options.onOutcome(result);
    return result;
  }

  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reload('watch');
    }, debounceMs);
    timer.unref();
  };

  return {
    reload,
    watch() {
      if (watcher || closed) return;
      try {
        // Every event in the directory schedules a (debounced) read: renames of the file itself, but also the
        // `..data` symlink swap of a Kubernetes ConfigMap. The content hash turns unrelated events into no-ops.
        watcher = watch(dirname(file), { persistent: false }, schedule);
        watcher.on('error', (err) => log.warn({ err, file }, 'routes file watch failed; reload with SIGHUP'));
      } catch (err) {
        log.warn({ err, file }, 'cannot watch the routes file; reload with SIGHUP');
      }
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
