/**
 * @module Summarises a V8 .cpuprofile (from node --cpu-prof): self time per function, and total
 * (inclusive) time for the project's own functions, optionally cut to a time window. V8 stamps
 * samples with CLOCK_MONOTONIC microseconds on Linux, the same clock as the benchmark's.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  where: string;
  category: string;
  ms: number;
  /** Share of the non-idle time in the window. */
  share: number;
}

export interface ProfileSummary {
  /** Sampled time in the window, ms. */
  totalMs: number;
  idleMs: number;
  self: FunctionTime[];
  /** The project's own functions by time including what they call. */
  inclusive: FunctionTime[];
  categories: { category: string; ms: number; share: number }[];
}

function category(url: string, name: string): string {
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
  if (url === '') return 'native (bindings, syscalls)';
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('/node_modules/')) return `npm: ${/\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? '?'}`;
  if (url.includes('/dist/') || url.includes('/src/')) return 'hubbub';
  return 'other';
}

function where(url: string, line: number, root: string): string {
  if (url === '') return '';
  const file = url.replace(/^file:\/\//, '').replace(root, '');
  return `${file}:${line + 1}`;
}

/** `root` is stripped from file paths; `window` limits the samples to [fromUs, toUs]. */
export function summariseProfile(profile: CpuProfile, root: string, window?: { fromUs: number; toUs: number }, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (node: ProfileNode): string => `${node.callFrame.functionName || '(anonymous)'}\u0000${node.callFrame.url}\u0000${node.callFrame.lineNumber}`;

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const duration = profile.timeDeltas[i + 1] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    totalUs += duration;
    if (node.callFrame.functionName === '(idle)') idleUs += duration;
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + duration);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!;
      const k = keyOf(frame);
      if (seen.has(k) || category(frame.callFrame.url, frame.callFrame.functionName) !== 'hubbub') continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + duration);
    }
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  const toRow = ([key, us]: [string, number]): FunctionTime => {
    const [name = '', url = '', line = '0'] = key.split('\u0000');
    return { name, where: where(url, Number(line), root), category: category(url, name), ms: us / 1000, share: us / busyUs };
  };
  const sorted = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1]);
  const categories = new Map<string, number>();
  for (const [key, us] of self) {
    const row = toRow([key, us]);
    if (row.category !== '(idle)') categories.set(row.category, (categories.get(row.category) ?? 0) + us);
  }
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    self: sorted(self).map(toRow).filter((r) => r.name !== '(idle)').slice(0, top),
    inclusive: sorted(inclusive).map(toRow).slice(0, top),
    categories: sorted(categories).map(([c, us]) => ({ category: c, ms: us / 1000, share: us / busyUs })),
  };
}

export function renderProfile(summary: ProfileSummary): string {
  const pct = (share: number): string => `${(share * 100).toFixed(1)}%`.padStart(6);
  const row = (f: FunctionTime): string => `${pct(f.share)} ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}${f.where ? `  (${f.where})` : ''}`;
  return [
    `Sampled ${summary.totalMs.toFixed(0)} ms, of which idle ${summary.idleMs.toFixed(0)} ms; shares are of the busy time.`,
    '',
    'By category (self time):',
    ...summary.categories.map((c) => `${pct(c.share)} ${c.ms.toFixed(0).padStart(7)} ms  ${c.category}`),
    '',
    'Top functions by self time:',
    ...summary.self.map(row),
    '',
    "hubbub's own functions by total time (including what they call):",
    ...summary.inclusive.map(row),
  ].join('\n');
}
