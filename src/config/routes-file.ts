// routes.yaml → compiled RouteTable. Validates everything at load (unknown keys, modes, methods, patterns,
// duplicate ids, rollout and shadow blocks, YAML syntax) and reports every problem with file, line, column
// and key in one EdgeError. Used at start and by every hot reload (config/routes-watcher.ts).
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isSeq, parseDocument, type Node, type Pair } from 'yaml';
import { EdgeError } from '../errors.js';
import { compilePattern } from '../core/route-pattern.js';
import { ROUTE_MODES, isRouteMode } from '../core/route-mode.js';
import { isReadRequest } from '../core/rollout.js';
import {
  DEFAULT_LEGACY_SETTINGS,
  ROUTE_METHODS,
  UNMATCHED_ROUTE_ID,
  createRouteTable,
  type CompiledRoute,
  type LegacySettings,
  type RouteMethod,
  type RouteTable,
} from '../core/route-table.js';
import { parseRollout, parseShadow } from './route-rules.js';
import { Reporter, booleanValue, integerValue, pairsOf, stringValue } from './yaml-report.js';

const ROOT_KEYS = ['legacy', 'killSwitch', 'routes'] as const;
const LEGACY_KEYS = ['environment', 'maxPageSize', 'maxBulkSize'] as const;
const ROUTE_KEYS = ['id', 'method', 'path', 'mode', 'rollout', 'shadow'] as const;
const ROUTE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function legacySettings(pair: Pair | undefined, report: Reporter): LegacySettings {
  if (!pair) return DEFAULT_LEGACY_SETTINGS;
  const node = pair.value as Node | null;
  if (!isMap(node)) {
    report.at(node ?? (pair.key as Node), 'legacy', 'must be a mapping');
    return DEFAULT_LEGACY_SETTINGS;
  }
  const keys = pairsOf(node, LEGACY_KEYS, 'legacy', report);
  const envPair = keys.get('environment');
  return {
    environment: envPair
      ? (stringValue(envPair, 'legacy.environment', node, report) ?? DEFAULT_LEGACY_SETTINGS.environment)
      : DEFAULT_LEGACY_SETTINGS.environment,
    maxPageSize: integerValue(keys.get('maxPageSize'), 'legacy.maxPageSize', 500, report),
    maxBulkSize: integerValue(keys.get('maxBulkSize'), 'legacy.maxBulkSize', 1000, report),
  };
}

function compileRoutes(pair: Pair | undefined, root: Node, report: Reporter): CompiledRoute[] {
  if (!pair) {
    report.at(root, 'routes', 'is required (a list, may be empty)');
    return [];
  }
  const seq = pair.value as Node | null;
  if (!isSeq(seq)) {
    report.at(seq ?? (pair.key as Node), 'routes', 'must be a list');
    return [];
  }
  const compiled: CompiledRoute[] = [];
  const firstLineOfId = new Map<string, number | undefined>();
  seq.items.forEach((item, index) => {
    const at = `routes[${index}]`;
    const node = item as Node | null;
    if (!isMap(node)) {
      report.at(node, at, 'must be a mapping with id, method, path, mode');
      return;
    }
    const before = report.problems.length;
    const keys = pairsOf(node, ROUTE_KEYS, at, report);
    const id = stringValue(keys.get('id'), `${at}.id`, node, report);
    const method = stringValue(keys.get('method'), `${at}.method`, node, report);
    const path = stringValue(keys.get('path'), `${at}.path`, node, report);
    const mode = stringValue(keys.get('mode'), `${at}.mode`, node, report);
    const valueNode = (key: string) => keys.get(key)?.value as Node | undefined;

    if (id !== undefined) {
      if (!ROUTE_ID.test(id)) {
        report.at(
          valueNode('id'),
          `${at}.id`,
          `"${id}" must be kebab-case [a-z0-9-] (it becomes a metric label)`,
        );
      } else if (id === UNMATCHED_ROUTE_ID) {
        report.at(valueNode('id'), `${at}.id`, `"${id}" is reserved for the implicit catch-all route`);
      } else if (firstLineOfId.has(id)) {
        report.at(
          valueNode('id'),
          `${at}.id`,
          `duplicate id "${id}" (first used on line ${firstLineOfId.get(id)})`,
        );
      } else {
        firstLineOfId.set(id, report.lineOf(valueNode('id')));
      }
    }
    if (method !== undefined && !(ROUTE_METHODS as readonly string[]).includes(method)) {
      report.at(valueNode('method'), `${at}.method`, `"${method}" is not one of ${ROUTE_METHODS.join('|')}`);
    }
    if (mode !== undefined && !isRouteMode(mode)) {
      report.at(valueNode('mode'), `${at}.mode`, `"${mode}" is not one of ${ROUTE_MODES.join('|')}`);
    }
    const pattern = path === undefined ? undefined : compilePattern(path);
    if (pattern && !pattern.ok) {
      report.at(valueNode('path'), `${at}.path`, `malformed pattern "${path}": ${pattern.reason}`);
    }
    if (mode === 'shadow' && method !== undefined && path !== undefined && !isReadRequest(method, path)) {
      report.at(
        valueNode('mode'),
        `${at}.mode`,
        `shadow runs on reads only (GET, PATCH …/statusuuid), not ${method} ${path}: it would re-send a write`,
      );
    }
    const rollout = parseRollout(keys.get('rollout'), at, report);
    const shadow =
      mode === 'shadow' || keys.has('shadow') ? parseShadow(keys.get('shadow'), at, report) : undefined;
    if (report.problems.length > before || !pattern?.ok || !isRouteMode(mode)) return;
    compiled.push({
      id: id as string,
      method: method as RouteMethod,
      path: path as string,
      mode,
      pattern: pattern.pattern,
      ...(rollout ? { rollout } : {}),
      ...(shadow ? { shadow } : {}),
    });
  });
  return compiled;
}

/** Parses and validates routes.yaml text; `file` is only used in messages. */
export function parseRouteTable(text: string, file: string): RouteTable {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const report = new Reporter(file, lines);
  for (const error of doc.errors) {
    report.atOffset(error.pos[0], 'yaml', error.message.split('\n')[0] ?? error.code);
  }
  let table: RouteTable | undefined;
  if (doc.errors.length === 0) {
    const root = doc.contents as Node | null;
    if (!isMap(root)) {
      report.at(root, '(root)', 'must be a mapping with the keys legacy, killSwitch and routes');
    } else {
      const keys = pairsOf(root, ROOT_KEYS, '', report);
      const legacy = legacySettings(keys.get('legacy'), report);
      const killSwitch = booleanValue(keys.get('killSwitch'), 'killSwitch', false, report);
      const routes = compileRoutes(keys.get('routes'), root, report);
      table = createRouteTable(routes, legacy, { killSwitch });
    }
  }
  if (report.problems.length > 0 || table === undefined) {
    const count = report.problems.length;
    throw new EdgeError(
      'EDGE_ROUTES_INVALID',
      `routes file ${file} is invalid (${count} problem${count === 1 ? '' : 's'}):\n` +
        report.problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
  return table;
}

export function loadRouteTable(file: string): RouteTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new EdgeError(
      'EDGE_ROUTES_INVALID',
      `routes file ${file} cannot be read: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return parseRouteTable(text, file);
}
