/**
 * @module What the kernel says about a server process: CPU time from /proc/PID/stat and resident
 * memory from /proc/PID/status. Parsing is kept apart from reading so it can be tested on text.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** utime + stime in clock ticks. The command name in parentheses may itself contain spaces. */
export function parseStatTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the line are utime and stime; `fields` starts at field 3.
  return Number(fields[11]) + Number(fields[12]);
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
