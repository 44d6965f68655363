/**
 * @module Several rounds of the same measurement (server and size) become one row: the median
 * round's, with every round's headline number kept for the spread, and the integrity counts of all
 * rounds added up, so a failure in any round still shows.
 */
import type { FanoutRow, LatencyRow, Problems } from '../results.js';
import type { DeliveryCounts } from './delivery-tracker.js';

function addCounts(into: Record<string, number>, from: Record<string, number>): Record<string, number> {
  const sum = { ...into };
  for (const [key, n] of Object.entries(from)) sum[key] = (sum[key] ?? 0) + n;
  return sum;
}

function sumProblems(all: Problems[]): Problems {
  return all.reduce((a, b) => ({
    connectErrors: addCounts(a.connectErrors, b.connectErrors),
    dropped: addCounts(a.dropped, b.dropped),
    corrupt: a.corrupt + b.corrupt,
    late: a.late + b.late,
    ...((a.serverError ?? b.serverError) !== undefined && { serverError: a.serverError ?? b.serverError }),
  }));
}

function sumDelivery(all: DeliveryCounts[]): DeliveryCounts {
  return all.reduce((a, b) => ({
    delivered: a.delivered + b.delivered,
    expected: a.expected + b.expected,
    lost: a.lost + b.lost,
    duplicated: a.duplicated + b.duplicated,
    reordered: a.reordered + b.reordered,
    impossible: a.impossible + b.impossible,
  }));
}

/** Groups rows by `key` in order of first appearance and merges each group with `merge`. */
function byMeasurement<R>(rows: R[], key: (row: R) => string, merge: (group: R[]) => R): R[] {
  const groups = new Map<string, R[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return [...groups.values()].map((group) => (group.length === 1 ? group[0]! : merge(group)));
}

/** The median by `value` (the lower middle one for an even count). */
function median<R>(rows: R[], value: (row: R) => number): R {
  return [...rows].sort((a, b) => value(a) - value(b))[Math.floor((rows.length - 1) / 2)]!;
}

export function mergeFanoutRounds(rows: FanoutRow[]): FanoutRow[] {
  return byMeasurement(
    rows,
    (row) => `${row.server}\u0000${row.receivers}`,
    (group) => ({
      ...median(group, (row) => row.deliveriesPerS),
      rounds: group.map((row) => row.deliveriesPerS),
      problems: sumProblems(group.map((row) => row.problems)),
      delivery: sumDelivery(group.map((row) => row.delivery)),
    }),
  );
}

export function mergeLatencyRounds(rows: LatencyRow[]): LatencyRow[] {
  return byMeasurement(
    rows,
    (row) => `${row.server}\u0000${row.receivers}\u0000${row.perSecond}`,
    (group) => ({
      ...median(group, (row) => row.latency.p99),
      rounds: group.map((row) => row.latency.p99),
      // Keeping up is every round's job, not the median's.
      keptUp: group.every((row) => row.keptUp),
      problems: sumProblems(group.map((row) => row.problems)),
      delivery: sumDelivery(group.map((row) => row.delivery)),
    }),
  );
}
