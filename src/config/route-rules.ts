// The per-route `rollout:` and `shadow:` blocks of routes.yaml → RolloutRule / ShadowSettings, validated
// with file:line:col and key like the rest of the file. Also the rule that shadow runs on reads only.
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { compileIgnorePath, type IgnorePath } from '../core/ignore-path.js';
import {
  DEFAULT_IGNORE_PATHS,
  SHADOW_CANDIDATES,
  SHADOW_DEFAULTS,
  type RolloutRule,
  type ShadowCandidate,
  type ShadowSettings,
  type TenantSet,
} from '../core/rollout.js';
import {
  booleanValue,
  integerValue,
  numberValue,
  pairsOf,
  valueNodeOf,
  type Reporter,
} from './yaml-report.js';

const ROLLOUT_KEYS = ['percent', 'allowTenants', 'denyTenants'] as const;
const SHADOW_KEYS = [
  'sample',
  'maxConcurrent',
  'ignorePaths',
  'calibrate',
  'candidate',
  'maxBodyBytes',
  'timeoutMs',
] as const;

/** Percent with at most two decimals (the bucket resolution is 0.01 %). */
const TWO_DECIMALS = (value: number) => Math.abs(Math.round(value * 100) - value * 100) < 1e-9;

function tenantSet(pair: Pair | undefined, key: string, report: Reporter): TenantSet {
  const ids = new Set<number>();
  const codes = new Set<string>();
  if (pair) {
    const seq = pair.value as Node | null;
    if (!isSeq(seq)) {
      report.at(
        valueNodeOf(pair),
        key,
        'must be a list of arzsw_datenbank ids (numbers) or client codes (strings)',
      );
    } else {
      seq.items.forEach((item, index) => {
        const node = item as Node | null;
        const value = isScalar(node) ? node.value : undefined;
        if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) ids.add(value);
        else if (typeof value === 'string' && value.trim() !== '') codes.add(value);
        else
          report.at(
            node ?? seq,
            `${key}[${index}]`,
            'must be an arzsw_datenbank id (positive integer) or a mandant client code (non-empty string)',
          );
      });
    }
  }
  return Object.freeze({ ids, codes });
}

/** `rollout: { percent, allowTenants, denyTenants }`; undefined when absent or invalid (reported). */
export function parseRollout(pair: Pair | undefined, at: string, report: Reporter): RolloutRule | undefined {
  if (!pair) return undefined;
  const key = `${at}.rollout`;
  const node = pair.value as Node | null;
  if (!isMap(node)) {
    report.at(valueNodeOf(pair), key, 'must be a mapping with percent, allowTenants, denyTenants');
    return undefined;
  }
  const before = report.problems.length;
  const keys = pairsOf(node, ROLLOUT_KEYS, key, report);
  const percentPair = keys.get('percent');
  if (!percentPair)
    report.at(node, `${key}.percent`, 'is required (0-100; 0 with allowTenants = only those)');
  const percent = numberValue(percentPair, `${key}.percent`, 0, report, 0, 100);
  if (percentPair && !TWO_DECIMALS(percent))
    report.at(valueNodeOf(percentPair), `${key}.percent`, 'must have at most two decimals');
  const rule: RolloutRule = Object.freeze({
    percent,
    allowTenants: tenantSet(keys.get('allowTenants'), `${key}.allowTenants`, report),
    denyTenants: tenantSet(keys.get('denyTenants'), `${key}.denyTenants`, report),
  });
  return report.problems.length > before ? undefined : rule;
}

function ignorePaths(pair: Pair | undefined, key: string, report: Reporter): readonly IgnorePath[] {
  const texts: Array<{ text: string; node: Node | null }> = [];
  if (!pair) {
    for (const text of DEFAULT_IGNORE_PATHS) texts.push({ text, node: null });
  } else {
    const seq = pair.value as Node | null;
    if (!isSeq(seq)) {
      report.at(valueNodeOf(pair), key, "must be a list of JSON paths such as '$.responseTimestamp'");
      return [];
    }
    seq.items.forEach((item, index) => {
      const node = item as Node | null;
      if (!isScalar(node) || typeof node.value !== 'string') {
        report.at(node ?? seq, `${key}[${index}]`, 'must be a JSON path string');
        return;
      }
      texts.push({ text: node.value, node });
    });
  }
  const compiled: IgnorePath[] = [];
  texts.forEach(({ text, node }, index) => {
    const result = compileIgnorePath(text);
    if (result.ok) compiled.push(result.path);
    else report.at(node, `${key}[${index}]`, `"${text}" ${result.reason}`);
  });
  return Object.freeze(compiled);
}

/** `shadow: {…}`; the defaults when absent. */
export function parseShadow(pair: Pair | undefined, at: string, report: Reporter): ShadowSettings {
  const key = `${at}.shadow`;
  const node = pair?.value as Node | null | undefined;
  if (pair && !isMap(node))
    report.at(valueNodeOf(pair), key, `must be a mapping (${SHADOW_KEYS.join(', ')})`);
  const keys = pair && isMap(node) ? pairsOf(node, SHADOW_KEYS, key, report) : new Map<string, Pair>();
  let candidate: ShadowCandidate = SHADOW_DEFAULTS.candidate;
  const candidatePair = keys.get('candidate');
  if (candidatePair) {
    const value = isScalar(candidatePair.value)
      ? (candidatePair.value as { value: unknown }).value
      : undefined;
    if ((SHADOW_CANDIDATES as readonly unknown[]).includes(value)) candidate = value as ShadowCandidate;
    else
      report.at(
        valueNodeOf(candidatePair),
        `${key}.candidate`,
        `must be one of ${SHADOW_CANDIDATES.join('|')}`,
      );
  }
  return Object.freeze({
    sample: numberValue(keys.get('sample'), `${key}.sample`, SHADOW_DEFAULTS.sample, report, 0, 1),
    maxConcurrent: integerValue(
      keys.get('maxConcurrent'),
      `${key}.maxConcurrent`,
      SHADOW_DEFAULTS.maxConcurrent,
      report,
      1,
      1000,
    ),
    ignorePaths: ignorePaths(keys.get('ignorePaths'), `${key}.ignorePaths`, report),
    calibrate: booleanValue(keys.get('calibrate'), `${key}.calibrate`, SHADOW_DEFAULTS.calibrate, report),
    candidate,
    maxBodyBytes: integerValue(
      keys.get('maxBodyBytes'),
      `${key}.maxBodyBytes`,
      SHADOW_DEFAULTS.maxBodyBytes,
      report,
      1,
      256 * 1024 * 1024,
    ),
    timeoutMs: integerValue(
      keys.get('timeoutMs'),
      `${key}.timeoutMs`,
      SHADOW_DEFAULTS.timeoutMs,
      report,
      1,
      600_000,
    ),
  });
}
