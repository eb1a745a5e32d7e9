// routes.yaml → compiled RouteTable. Validates everything at load (unknown keys, modes, methods, patterns,
// duplicate ids, YAML syntax) and reports every problem with file, line, column and key in one EdgeError.
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { EdgeError } from '../errors.js';
import { compilePattern } from '../core/route-pattern.js';
import { ROUTE_MODES, isRouteMode } from '../core/route-mode.js';
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

const ROOT_KEYS = ['legacy', 'routes'] as const;
const LEGACY_KEYS = ['environment', 'maxPageSize', 'maxBulkSize'] as const;
const ROUTE_KEYS = ['id', 'method', 'path', 'mode'] as const;
const ROUTE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

class Reporter {
  readonly problems: string[] = [];
  constructor(
    private readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  at(node: Node | null | undefined, key: string, message: string): void {
    this.atOffset(node?.range?.[0], key, message);
  }

  atOffset(offset: number | undefined, key: string, message: string): void {
    const where = offset === undefined ? this.file : this.position(offset);
    this.problems.push(`${where}: ${key}: ${message}`);
  }

  lineOf(node: Node | null | undefined): number | undefined {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : this.lines.linePos(offset).line;
  }

  position(offset: number): string {
    const { line, col } = this.lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }
}

function pairsOf(
  map: YAMLMap,
  allowed: readonly string[],
  path: string,
  report: Reporter,
): Map<string, Pair> {
  const found = new Map<string, Pair>();
  for (const pair of map.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
    if (key === undefined || !allowed.includes(key)) {
      report.at(
        keyNode,
        path ? `${path}.${key ?? '?'}` : (key ?? '?'),
        `unknown key (allowed: ${allowed.join(', ')})`,
      );
      continue;
    }
    found.set(key, pair);
  }
  return found;
}

function stringValue(pair: Pair | undefined, key: string, owner: Node, report: Reporter): string | undefined {
  if (!pair) {
    report.at(owner, key, 'is required');
    return undefined;
  }
  const value = pair.value as Node | null;
  if (!isScalar(value) || typeof value.value !== 'string' || value.value.trim() === '') {
    report.at(value ?? (pair.key as Node), key, 'must be a non-empty string');
    return undefined;
  }
  return value.value;
}

function positiveInteger(pair: Pair | undefined, key: string, fallback: number, report: Reporter): number {
  if (!pair) return fallback;
  const value = pair.value as Node | null;
  if (
    !isScalar(value) ||
    typeof value.value !== 'number' ||
    !Number.isSafeInteger(value.value) ||
    value.value < 1
  ) {
    report.at(value ?? (pair.key as Node), key, 'must be a positive integer');
    return fallback;
  }
  return value.value;
}

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
    maxPageSize: positiveInteger(keys.get('maxPageSize'), 'legacy.maxPageSize', 500, report),
    maxBulkSize: positiveInteger(keys.get('maxBulkSize'), 'legacy.maxBulkSize', 1000, report),
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
    if (report.problems.length > before || !pattern?.ok || !isRouteMode(mode)) return;
    compiled.push({
      id: id as string,
      method: method as RouteMethod,
      path: path as string,
      mode,
      pattern: pattern.pattern,
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
      report.at(root, '(root)', 'must be a mapping with the keys legacy and routes');
    } else {
      const keys = pairsOf(root, ROOT_KEYS, '', report);
      const legacy = legacySettings(keys.get('legacy'), report);
      const routes = compileRoutes(keys.get('routes'), root, report);
      table = createRouteTable(routes, legacy);
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
