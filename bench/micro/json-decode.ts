/**
 * @module Microbenchmark of JSON decoding alone: CPU ns per frame for the frames a server reads
 * most (a `say`, with and without a ref) and a few others, through the JSON codec's `decode`.
 * CPU time rather than wall time, so that other processes on a shared machine disturb it less.
 * `node --import tsx bench/micro/json-decode.ts [frames]` (default 300,000 per round, 15 rounds).
 */
import { jsonCodec } from '../../src/protocol/json/json-codec.js';

const FRAMES: Record<string, string> = {
  say: '{"type":"say","room":"lobby","text":"~B3.12345.1234567890123~ xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}',
  'say+ref': '{"type":"say","room":"lobby","text":"~B3.12345.1234567890123~ xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","ref":"c123"}',
  history: '{"type":"history","room":"dev","before":120,"limit":50,"ref":7}',
  resume: '{"type":"resume","epoch":"Xk3v9QaL","rooms":{"dev":118,"lobby":7},"ref":"r1"}',
  'bad field': '{"type":"say","room":"lobby","text":42}',
};
const ROUNDS = 15;

function cpuNsPerFrame(line: string, count: number): number {
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) jsonCodec.decode(line);
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / count;
}

const count = Number(process.argv[2] ?? 300_000);
process.stdout.write(`CPU ns per decoded frame, ${ROUNDS} rounds of ${count.toLocaleString('en-US')} frames\n`);
process.stdout.write(`${'frame'.padEnd(10)}${'best'.padStart(8)}${'median'.padStart(8)}\n`);
for (const [name, line] of Object.entries(FRAMES)) {
  cpuNsPerFrame(line, count);
  const rounds = Array.from({ length: ROUNDS }, () => cpuNsPerFrame(line, count)).sort((a, b) => a - b);
  process.stdout.write(`${name.padEnd(10)}${rounds[0]!.toFixed(0).padStart(8)}${rounds[ROUNDS >> 1]!.toFixed(0).padStart(8)}\n`);
}
