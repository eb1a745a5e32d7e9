// What a benchmark records about where and on what it ran: date, machine, software versions, commit
// (with a dirty flag) and load average. Reads only; never changes the repository or the services.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export interface MachineInfo {
  readonly dateUtc: string;
  readonly nproc: number;
  readonly cpuModel: string;
  readonly ramGiB: number;
  readonly node: string;
  /** Short hash, with `+ uncommitted changes` when the work tree is dirty. */
  readonly commit: string;
  readonly commitHash: string;
  readonly dirty: boolean;
}

export function cpuModel(): string {
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '?';
  } catch {
    return cpus()[0]?.model ?? '?';
  }
}

export function gitCommit(root: string): { hash: string; dirty: boolean } {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: root }).toString().trim();
    return { hash, dirty: status !== '' };
  } catch {
    return { hash: 'unknown', dirty: false };
  }
}

export function machineInfo(root: string): MachineInfo {
  const { hash, dirty } = gitCommit(root);
  return {
    dateUtc: new Date().toISOString(),
    nproc: cpus().length,
    cpuModel: cpuModel(),
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    commit: dirty ? `${hash} + uncommitted changes` : hash,
    commitHash: hash,
    dirty,
  };
}

/** The three load averages as printed by /proc/loadavg. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

/** The text block passthrough-bench prints at the top of its report. */
export function machineSummary(root: string): string {
  const info = machineInfo(root);
  return [
    `date (UTC): ${info.dateUtc}`,
    `machine: nproc ${info.nproc}, ${info.cpuModel}, Node ${info.node}`,
    `commit: ${info.commit}`,
  ].join('\n');
}
