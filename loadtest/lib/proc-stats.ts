// CPU time and resident memory of processes from /proc (Linux), for "CPU µs per request" and RSS figures
// of benchmarks. Reads only; every function returns NaN where /proc is missing or the process is gone.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc/<pid>/stat counts CPU time in ticks of 10 ms on Linux. */
const TICK_MS = 10;

interface StatFields {
  readonly ppid: number;
  /** utime + stime of the process itself, in ticks. */
  readonly ownTicks: number;
  /** cutime + cstime: children that exited and were waited for, in ticks. */
  readonly reapedChildTicks: number;
}

function readStat(pid: number): StatFields | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ') '.
  const fields = text.slice(text.lastIndexOf(') ') + 2).split(' ');
  return {
    ppid: Number(fields[1]),
    ownTicks: Number(fields[11]) + Number(fields[12]),
    reapedChildTicks: Number(fields[13]) + Number(fields[14]),
  };
}

/** user+system CPU time of one process in ms (its own threads, not its children). */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return NaN;
  const stat = readStat(pid);
  return stat === undefined ? NaN : stat.ownTicks * TICK_MS;
}

/** The pid and every live descendant of it (one scan of /proc). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat === undefined) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/**
 * CPU time in ms of a whole process tree: every live member's own time plus the root's reaped children
 * (nginx workers, varnish's cache process, PostgreSQL backends that ended). Children reaped by a
 * non-root member are counted through that member's own reaped total as well.
 */
export function treeCpuMs(root: number | undefined): number {
  if (root === undefined || !existsSync(`/proc/${root}/stat`)) return NaN;
  let ticks = 0;
  for (const pid of processTree(root)) {
    const stat = readStat(pid);
    if (stat !== undefined) ticks += stat.ownTicks + stat.reapedChildTicks;
  }
  return ticks * TICK_MS;
}

/** Resident set size in bytes of one process (VmRSS), NaN when unknown. */
export function rssBytes(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const match = /VmRSS:\s*(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Summed RSS of a process tree (shared pages are counted once per process, as `ps` would). */
export function treeRssBytes(root: number | undefined): number {
  if (root === undefined || !existsSync(`/proc/${root}`)) return NaN;
  return processTree(root).reduce((sum, pid) => sum + (rssBytes(pid) || 0), 0);
}
