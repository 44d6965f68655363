/**
 * End to end: the soak's short run against the real `hubbub serve` binary (build first): client
 * slots churn through all three doors for HUBBUB_SOAK_SECONDS (20) in two rounds; after each the
 * server must be back to zero sessions and rooms with its descriptors and RSS near the baseline,
 * and at the end every message any client saw must be in history. `npm run soak` is the long run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSoakReport, runSoak } from '../soak/soak.js';

test('a short soak: hundreds of connections churn, and the server ends where it began, having lost nothing', async (t) => {
  const report = await runSoak({
    seconds: Number(process.env.HUBBUB_SOAK_SECONDS ?? 20),
    rounds: 2,
    slots: 100,
    rooms: 12,
    firehoseSenders: 2,
    store: 'sqlite',
    log: (line) => t.diagnostic(line),
  });
  for (const line of formatSoakReport(report).split('\n')) t.diagnostic(line);
  assert.equal(report.violation, undefined, formatSoakReport(report));
  const opened = report.connections.text + report.connections.json + report.connections.ws;
  assert.ok(opened > report.afterRounds.length * 100, `connections churned (${opened})`);
  assert.ok(report.said > 0 && report.resumes > 0, 'clients chatted and resumed');
});
