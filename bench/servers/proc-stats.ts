/**
 * @module What the kernel says about a server process: CPU time from /proc/PID/stat and resident
 * memory from /proc/PID/status, for one process or for a process and everything below it (a
 * `--workers` primary and its workers). Parsing is kept apart from reading so it can be tested on text.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** utime + stime in clock ticks. The command name in parentheses may itself contain spaces. */
export function parseStatTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the line are utime and stime; `fields` starts at field 3.
  return Number(fields[11]) + Number(fields[12]);
}

/** The parent's pid: field 4 of /proc/PID/stat. */
export function parseStatParent(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** `root` and every process below it (children, their children…), given each process's parent. */
export function descendants(root: number, parentOf: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, parent] of parentOf) children.set(parent, [...(children.get(parent) ?? []), pid]);
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** Busy time of all CPUs together in clock ticks, from the `cpu` line of /proc/stat (idle and iowait excluded). */
export function parseMachineBusyTicks(procStat: string): number {
  const fields = procStat.slice(0, procStat.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return user + nice + system + irq + softirq + steal;
}

/** VmRSS in KiB, from the text of /proc/PID/status. */
export function parseRssKiB(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error('no VmRSS line in /proc status');
  return Number(match[1]);
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU time (user + system) the process has used so far, in µs. */
export function processCpuUs(pid: number): number {
  return (parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) * 1e6) / clockTicks();
}

/** CPU time every process on the machine has used so far, in µs: to see who else was busy. */
export function machineBusyUs(): number {
  return (parseMachineBusyTicks(readFileSync('/proc/stat', 'utf8')) * 1e6) / clockTicks();
}

export function processRssKiB(pid: number): number {
  return parseRssKiB(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/**
 * `root` and its descendants, found by reading every /proc/PID/stat: the kernels this runs on do not
 * all offer /proc/PID/task/TID/children. A process that exits while it is read is left out.
 */
export function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readIfRunning(`/proc/${entry}/stat`);
    if (stat !== undefined) parentOf.set(Number(entry), parseStatParent(stat));
  }
  return descendants(root, parentOf);
}

/** CPU time of `root` and every process below it, in µs (a child that has exited no longer counts). */
export function processTreeCpuUs(root: number): number {
  return sumOverTree(root, (stat) => (parseStatTicks(stat) * 1e6) / clockTicks(), 'stat');
}

/** Resident memory of `root` and every process below it, in KiB. */
export function processTreeRssKiB(root: number): number {
  // A child that has exited but not been reaped yet (a zombie) has no VmRSS line: no memory either.
  return sumOverTree(root, (status) => (/^VmRSS:/m.test(status) ? parseRssKiB(status) : 0), 'status');
}

function sumOverTree(root: number, parse: (text: string) => number, file: 'stat' | 'status'): number {
  let sum = parse(readFileSync(`/proc/${root}/${file}`, 'utf8'));
  for (const pid of processTree(root).slice(1)) {
    const text = readIfRunning(`/proc/${pid}/${file}`);
    if (text !== undefined) sum += parse(text);
  }
  return sum;
}

function readIfRunning(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
