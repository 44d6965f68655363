/**
 * @module The result tables, one per scenario, plus the targets and the list of everything that
 * went wrong. Integrity problems are spelled out in capitals in the row itself.
 */
import type { BenchResults, Problems } from '../results.js';
import type { DeliveryCounts } from '../stats/delivery-tracker.js';
import { compact, percent } from './format.js';
import type { Table } from './text-table.js';

const ms = (v: number): string => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : '—');
const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** Every way a run can be wrong, as short capitalised phrases; empty when it was clean. */
export function problemList(problems: Problems, delivery?: DeliveryCounts): string[] {
  const out: string[] = [];
  if (delivery) {
    if (delivery.lost) out.push(`LOST ${delivery.lost}`);
    if (delivery.duplicated) out.push(`DUPLICATED ${delivery.duplicated}`);
    if (delivery.reordered) out.push(`REORDERED ${delivery.reordered}`);
    if (delivery.impossible) out.push(`IMPOSSIBLE ${delivery.impossible}`);
  }
  if (problems.corrupt) out.push(`CORRUPT ${problems.corrupt}`);
  if (problems.late) out.push(`NOT DELIVERED IN TIME ${problems.late}`);
  if (total(problems.dropped)) out.push(`DROPPED ${total(problems.dropped)} (${Object.keys(problems.dropped).join(', ')})`);
  if (total(problems.connectErrors)) out.push(`CONNECT ERRORS ${total(problems.connectErrors)} (${Object.keys(problems.connectErrors).join(', ')})`);
  if (problems.serverError) out.push(`SERVER ERROR`);
  return out;
}

function integrity(problems: Problems, delivery?: DeliveryCounts): string {
  const list = problemList(problems, delivery);
  return list.length ? `!! ${list.join(' · ')}` : 'ok';
}

/** Below this share of a core the server was not the bottleneck of a full-speed run. */
const SATURATED_SERVER_CPU = 0.85;

/** Server CPU time per delivery, in ns: a cost that does not depend on how fast the load side is. */
function nsPerDelivery(serverCpu: number, deliveriesPerS: number): string {
  const ns = (serverCpu * 1e9) / deliveriesPerS;
  return Number.isFinite(ns) ? ns.toFixed(0) : '—';
}

/** Resident memory in MiB, or a dash for results from before it was measured. */
const mib = (kib: number | undefined): string => (kib === undefined ? '—' : (kib / 1024).toFixed(0));

/** "min–max" of several rounds' numbers, or a dash for one round. */
function spread(rounds: number[] | undefined, show: (v: number) => string): string {
  return rounds && rounds.length > 1 ? `${show(Math.min(...rounds))}–${show(Math.max(...rounds))}` : '—';
}

/** " (median of 3 rounds)" when the rows come from several. */
function roundsNote(rows: { rounds?: number[] }[]): string {
  const most = Math.max(0, ...rows.map((row) => row.rounds?.length ?? 1));
  return most > 1 ? `, median of ${most} rounds` : '';
}

export function fanoutTable(r: BenchResults): Table {
  return {
    title: `Fan-out at full speed (${r.fanout[0]?.senders ?? '?'} senders × window ${r.fanout[0]?.window ?? '?'}, ${r.fanout[0] ? r.fanout[0].durationS.toFixed(0) : '?'} s each${roundsNote(r.fanout)})`,
    headers: ['server', 'receivers', 'deliveries/s', 'rounds', 'messages/s', 'server ns/delivery', 'p50 ms', 'p99 ms', 'max ms', 'server CPU', 'server MiB', 'load CPU', 'other CPU', 'integrity'],
    numeric: [false, true, true, true, true, true, true, true, true, true, true, true, true, false],
    rows: r.fanout.map((row) => [
      row.label,
      row.receivers.toLocaleString('en-US'),
      compact(row.deliveriesPerS) + (row.serverCpu < SATURATED_SERVER_CPU ? ' †' : ''),
      spread(row.rounds, compact),
      compact(row.messagesPerS),
      nsPerDelivery(row.serverCpu, row.deliveriesPerS),
      ms(row.latency.p50),
      ms(row.latency.p99),
      ms(row.latency.max),
      percent(row.serverCpu),
      mib(row.serverRssKiB),
      row.loadCpu.map(percent).join('+'),
      percent(row.otherCpu),
      integrity(row.problems, row.delivery),
    ]),
    notes: [
      'CPU: share of one core. Server CPU and MiB (resident memory at the end of the run) add up every process of the server: both nodes and Redis for a cluster row, the primary and its workers for --workers. "other": every other process on the machine during the run (noise). Rounds: the lowest and highest deliveries/s of the rounds; the other columns are the median round\'s.',
      `†: the server used less than ${percent(SATURATED_SERVER_CPU)} of a core, so something else (the load side, Nagle's delays) set the pace; server ns/delivery still compares costs.`,
    ],
  };
}

export function latencyTable(r: BenchResults): Table {
  return {
    title: `Latency under load (one sender at a fixed rate${roundsNote(r.latency)})`,
    headers: ['server', 'receivers', 'rate', 'achieved', 'p50 ms', 'p99 ms', 'p99 rounds', 'max ms', 'max backlog', 'drain ms', 'kept up', 'server CPU', 'server MiB', 'load CPU', 'integrity'],
    numeric: [false, true, true, true, true, true, true, true, true, true, false, true, true, true, false],
    rows: r.latency.map((row) => [
      row.label,
      row.receivers.toLocaleString('en-US'),
      `${row.perSecond}/s`,
      `${row.achievedPerS.toFixed(0)}/s`,
      ms(row.latency.p50),
      ms(row.latency.p99),
      spread(row.rounds, ms),
      ms(row.latency.max),
      compact(row.maxBacklog),
      ms(row.drainMs),
      row.keptUp ? 'yes' : 'NO',
      percent(row.serverCpu),
      mib(row.serverRssKiB),
      row.loadCpu.map(percent).join('+'),
      integrity(row.problems, row.delivery),
    ]),
    notes: [
      'Backlog: messages sent but not yet delivered to every receiver, at the worst once-a-second sample. Kept up: everything arrived, within 1 s of the last send (in every round).',
    ],
  };
}

export function idleTable(r: BenchResults): Table {
  return {
    title: 'Idle connections (server RSS from /proc/PID/status)',
    headers: ['server', 'connections', 'RSS before MiB', 'RSS after MiB', 'KiB/conn', 'integrity'],
    numeric: [false, true, true, true, true, false],
    rows: r.idle.map((row) => [
      row.label,
      `${row.ready.toLocaleString('en-US')}/${row.connections.toLocaleString('en-US')}`,
      (row.rssBeforeKiB / 1024).toFixed(1),
      (row.rssAfterKiB / 1024).toFixed(1),
      row.kibPerConnection.toFixed(1),
      integrity(row.problems),
    ]),
  };
}

export function stormTable(r: BenchResults): Table {
  return {
    title: 'Connection storm (connect and join one room)',
    headers: ['server', 'clients', 'joined', 'all joined s', 'p50 setup ms', 'p99 setup ms', 'server CPU', 'integrity'],
    numeric: [false, true, true, true, true, true, true, false],
    rows: r.storm.map((row) => [
      row.label,
      row.clients.toLocaleString('en-US'),
      row.joined.toLocaleString('en-US'),
      (row.allJoinedMs / 1000).toFixed(2),
      ms(row.setup.p50),
      ms(row.setup.p99),
      percent(row.serverCpu),
      integrity(row.problems),
    ]),
    notes: ['Setup: one client\'s time from connect() to its join acknowledged.'],
  };
}

export function capacityTable(r: BenchResults): Table {
  return {
    title: 'Capacity (WebSocket connections, one broadcast to all)',
    headers: ['server', 'connections', 'connected in s', 'RSS MiB', 'broadcast ms', 'integrity'],
    numeric: [false, true, true, true, true, false],
    rows: r.capacity.map((row) => [
      row.label,
      `${row.ready.toLocaleString('en-US')}/${row.connections.toLocaleString('en-US')}`,
      (row.connectMs / 1000).toFixed(1),
      (row.rssKiB / 1024).toFixed(0),
      ms(row.broadcastMs),
      integrity(row.problems, row.delivery),
    ]),
  };
}

export function targetsTable(r: BenchResults): Table {
  return {
    title: 'Targets (ratios measured in this run)',
    headers: ['target', 'goal', 'measured', 'met'],
    numeric: [false, false, false, false],
    rows: r.targets.map((t) => [t.name, t.target, t.measured, t.met === undefined ? '— (not run)' : t.met ? 'yes' : 'NO']),
  };
}

export function failuresTable(r: BenchResults): Table {
  return {
    title: 'Runs that failed',
    headers: ['scenario', 'server', 'run', 'error'],
    numeric: [false, false, false, false],
    rows: r.failures.map((f) => [f.scenario, f.label, f.detail, f.error.split('\n')[0]!.slice(0, 160)]),
  };
}

/** Every table that has rows, in report order. */
export function allTables(r: BenchResults): Table[] {
  return [fanoutTable(r), latencyTable(r), idleTable(r), stormTable(r), capacityTable(r), targetsTable(r), failuresTable(r)].filter((t) => t.rows.length > 0);
}

/** One line per run with an integrity problem or failure, for the loud summary at the end. */
export function alarms(r: BenchResults): string[] {
  const out: string[] = [];
  const add = (what: string, list: string[]): void => {
    if (list.length) out.push(`${what}: ${list.join(' · ')}`);
  };
  for (const row of r.fanout) add(`fanout ${row.label} N=${row.receivers}`, problemList(row.problems, row.delivery));
  for (const row of r.latency) add(`latency ${row.label}`, problemList(row.problems, row.delivery));
  for (const row of r.idle) add(`idle ${row.label}`, problemList(row.problems));
  for (const row of r.storm) add(`storm ${row.label}`, problemList(row.problems));
  for (const row of r.capacity) add(`capacity ${row.label}`, problemList(row.problems, row.delivery));
  for (const f of r.failures) out.push(`${f.scenario} ${f.label} ${f.detail}: FAILED: ${f.error.split('\n')[0]}`);
  return out;
}
