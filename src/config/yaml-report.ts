// Shared helpers for validating a parsed YAML document: a reporter that collects every problem as
// `file:line:col: key: message`, and readers for mappings and scalars that report instead of throwing.
import { isScalar, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';

export class Reporter {
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

/** The value node of a pair, or its key node when the value is empty (so the message has a position). */
export function valueNodeOf(pair: Pair): Node | null {
  return (pair.value as Node | null) ?? (pair.key as Node | null);
}

export function pairsOf(
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

export function stringValue(
  pair: Pair | undefined,
  key: string,
  owner: Node,
  report: Reporter,
): string | undefined {
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

/** An integer in [min, max]; `fallback` when absent or invalid (invalid is reported). */
export function integerValue(
  pair: Pair | undefined,
  key: string,
  fallback: number,
  report: Reporter,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!pair) return fallback;
  const value = pair.value as Node | null;
  if (
    !isScalar(value) ||
    typeof value.value !== 'number' ||
    !Number.isSafeInteger(value.value) ||
    value.value < min ||
    value.value > max
  ) {
    const range =
      min === 1 && max === Number.MAX_SAFE_INTEGER
        ? 'a positive integer'
        : `an integer from ${min} to ${max}`;
    report.at(valueNodeOf(pair), key, `must be ${range}`);
    return fallback;
  }
  return value.value;
}

/** A number in [min, max] (decimals allowed); `fallback` when absent or invalid. */
export function numberValue(
  pair: Pair | undefined,
  key: string,
  fallback: number,
  report: Reporter,
  min: number,
  max: number,
): number {
  if (!pair) return fallback;
  const value = pair.value as Node | null;
  if (
    !isScalar(value) ||
    typeof value.value !== 'number' ||
    !Number.isFinite(value.value) ||
    value.value < min ||
    value.value > max
  ) {
    report.at(valueNodeOf(pair), key, `must be a number from ${min} to ${max}`);
    return fallback;
  }
  return value.value;
}

export function booleanValue(
  pair: Pair | undefined,
  key: string,
  fallback: boolean,
  report: Reporter,
): boolean {
  if (!pair) return fallback;
  const value = pair.value as Node | null;
  if (!isScalar(value) || typeof value.value !== 'boolean') {
    report.at(valueNodeOf(pair), key, 'must be true or false');
    return fallback;
  }
  return value.value;
}
