/**
 * End to end: the protocol fuzzer's short run against the real `hubbub serve` binary (build first).
 * Every scenario of the corpus (known hostile inputs, test/fuzz/corpus) must now pass, then random
 * scenarios run for HUBBUB_FUZZ_SECONDS (20) from HUBBUB_FUZZ_SEED (random, printed). A failure
 * prints the seed, the reduced input and the command that replays it. `npm run fuzz` is the long run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CORPUS_DIR, describeViolation, explore, formatFailure, loadScenarios, replay } from '../fuzz/fuzz.js';

for (const file of loadScenarios(CORPUS_DIR)) {
  test(`fuzz corpus ${file.name}: the server stays up and keeps the contract`, async () => {
    const { violation } = await replay(file);
    const why = violation && `${describeViolation(violation)}\n${file.defect ?? ''}\nreplay: npm run fuzz -- --replay test/fuzz/corpus/${file.name}.json`;
    assert.equal(violation, undefined, why);
  });
}

test('random hostile scenarios over TCP text, TCP JSON, WebSocket and HTTP keep the server up and the contract kept', async (t) => {
  const seed = Number(process.env.HUBBUB_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const seconds = Number(process.env.HUBBUB_FUZZ_SECONDS ?? 15);
  t.diagnostic(`seed ${seed} (HUBBUB_FUZZ_SEED=${seed} runs the same scenarios)`);
  const report = await explore({ seconds, seed, maxActions: 80, reduceSeconds: 30, log: (line) => t.diagnostic(line) });
  assert.ok(report.runs > 0, 'at least one scenario ran');
  if (report.failure) assert.fail(formatFailure(report.failure));
});
