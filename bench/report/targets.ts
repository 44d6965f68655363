/**
 * @module The issue's targets, checked as ratios between servers measured in the same run. They are
 * reported, never asserted: a machine shared with other work moves every number.
 */
import type { BenchResults, FanoutRow, TargetCheck } from '../results.js';
import { problemList } from './tables.js';
import { compact } from './format.js';

const HUBBUB_WS = 'hubbub-ws';

function fanoutAt(r: BenchResults, server: string, receivers: number): FanoutRow | undefined {
  return r.fanout.find((row) => row.server === server && row.receivers === receivers);
}

/** A hubbub number only counts when the run behind it delivered everything exactly once, in order. */
function clean(row: { problems: FanoutRow['problems']; delivery?: FanoutRow['delivery'] }): boolean {
  return problemList(row.problems, row.delivery).length === 0;
}

function ratioCheck(r: BenchResults, ours: string, theirs: string, atLeast: number, label: string): TargetCheck[] {
  const sizes = [...new Set(r.fanout.map((row) => row.receivers))];
  return sizes.map((receivers) => {
    const a = fanoutAt(r, ours, receivers);
    const b = fanoutAt(r, theirs, receivers);
    const name = `${ours} fan-out ≥ ${atLeast}× ${label}, N=${receivers.toLocaleString('en-US')}`;
    if (!a || !b) return { name, target: `≥ ${atLeast}×`, measured: 'not run', met: undefined };
    const ratio = a.deliveriesPerS / b.deliveriesPerS;
    return {
      name,
      target: `≥ ${atLeast}×`,
      measured: `${ratio.toFixed(2)}× (${compact(a.deliveriesPerS)} vs ${compact(b.deliveriesPerS)}/s)${clean(a) ? '' : ', hubbub run NOT CLEAN'}`,
      met: ratio >= atLeast && clean(a),
    };
  });
}

export function checkTargets(r: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [
    ...ratioCheck(r, HUBBUB_WS, 'uws', 1.2, 'uWS'),
    ...ratioCheck(r, HUBBUB_WS, 'naive-ws', 10, 'naive ws'),
    ...ratioCheck(r, HUBBUB_WS, 'socketio', 10, 'Socket.IO'),
    ...ratioCheck(r, 'hubbub-tcp-text', 'naive-net', 1, 'naive net'),
    ...ratioCheck(r, 'hubbub-tcp-json', 'naive-net', 1, 'naive net'),
  ];

  const ours = r.latency.find((row) => row.server === HUBBUB_WS);
  const uws = r.latency.find((row) => row.server === 'uws');
  const latencyName = `${HUBBUB_WS} latency at ${ours?.receivers.toLocaleString('en-US') ?? '?'}×${ours?.perSecond ?? '?'}/s: keeps up, p99 ≤ uWS`;
  checks.push(
    !ours
      ? { name: latencyName, target: 'keeps up, p99 ≤ uWS', measured: 'not run', met: undefined }
      : {
          name: latencyName,
          target: 'keeps up, p99 ≤ uWS',
          measured:
            `${ours.keptUp ? 'kept up' : 'DID NOT KEEP UP'}, p99 ${ours.latency.p99.toFixed(2)} ms` +
            (uws ? ` vs uWS ${uws.latency.p99.toFixed(2)} ms (${uws.keptUp ? 'kept up' : 'did not keep up'})` : ' (uWS not run)'),
          met: uws ? ours.keptUp && ours.latency.p99 <= uws.latency.p99 : undefined,
        },
  );

  for (const [server, limit] of [
    [HUBBUB_WS, 8],
    ['hubbub-tcp-text', 5],
    ['hubbub-tcp-json', 5],
  ] as const) {
    const row = r.idle.find((x) => x.server === server);
    const name = `${server} idle memory ≤ ${limit} KiB/conn`;
    checks.push(
      row
        ? { name, target: `≤ ${limit} KiB`, measured: `${row.kibPerConnection.toFixed(1)} KiB/conn over ${row.ready.toLocaleString('en-US')}`, met: row.kibPerConnection <= limit && clean(row) }
        : { name, target: `≤ ${limit} KiB`, measured: 'not run', met: undefined },
    );
  }

  const storms = r.storm.filter((row) => row.server.startsWith('hubbub'));
  if (storms.length === 0) checks.push({ name: 'hubbub storm: every client joins, no errors', target: '0 errors', measured: 'not run', met: undefined });
  for (const row of storms) {
    checks.push({
      name: `${row.server} storm of ${row.clients.toLocaleString('en-US')} joins without errors`,
      target: '0 errors',
      measured: `${row.joined.toLocaleString('en-US')} joined in ${(row.allJoinedMs / 1000).toFixed(2)} s${clean(row) ? '' : `, ${problemList(row.problems).join(' · ')}`}`,
      met: row.joined === row.clients && clean(row),
    });
  }
  return checks;
}
