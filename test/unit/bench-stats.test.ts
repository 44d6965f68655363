/** @module The benchmark's pure parts: latency percentiles, delivery classification, marker and frame scanning, /proc parsing. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { markerText, scanMarkers, type MarkerSink } from '../../bench/load/marker.js';
import { clientFrame, parseFrames, OPCODE_PING } from '../../bench/load/ws-frames.js';
import {
  descendants,
  parseMachineBusyTicks,
  parseRssKiB,
  parseStatParent,
  parseStatTicks,
  processRssKiB,
  processTree,
  processTreeRssKiB,
} from '../../bench/servers/proc-stats.js';
import type { FanoutRow } from '../../bench/results.js';
import { DeliveryTracker, isClean } from '../../bench/stats/delivery-tracker.js';
import { bucketHigh, bucketLow, bucketOf, Histogram } from '../../bench/stats/histogram.js';
import { mergeFanoutRounds } from '../../bench/stats/rounds.js';

test('every value falls inside its bucket, and buckets are at most ~3% wide', () => {
  for (const v of [0, 1, 63, 64, 65, 127, 128, 1000, 12_345, 999_999, 2 ** 31 - 1]) {
    const b = bucketOf(v);
    assert.ok(bucketLow(b) <= v && v <= bucketHigh(b), `${v} in [${bucketLow(b)}, ${bucketHigh(b)}]`);
    assert.ok(bucketHigh(b) - bucketLow(b) <= Math.max(1, v * 0.032), `bucket of ${v} is too wide`);
  }
});

test('percentiles of 1..1000 µs are the true values, rounded up by at most one bucket; max is exact', () => {
  const h = new Histogram();
  for (let v = 1000; v >= 1; v--) h.record(v);
  assert.equal(h.count, 1000);
  for (const [p, truth] of [
    [50, 500],
    [99, 990],
    [100, 1000],
  ] as const) {
    const got = h.percentile(p);
    assert.ok(got >= truth && got <= truth * 1.04, `p${p} = ${got}, truth ${truth}`);
  }
  assert.equal(h.max, 1000);
  assert.ok(Number.isNaN(new Histogram().percentile(50)));
});

test('merged histograms give the percentiles of all their samples together', () => {
  const low = new Histogram();
  const high = new Histogram();
  for (let i = 0; i < 90; i++) low.record(100);
  for (let i = 0; i < 10; i++) high.record(50_000);
  const all = new Histogram();
  all.merge(low.toData());
  all.merge(high.toData());
  assert.equal(all.count, 100);
  const p90 = all.percentile(90);
  assert.ok(p90 >= 100 && p90 <= 104, `p90 = ${p90}`);
  assert.ok(all.percentile(91) >= 50_000);
  assert.equal(all.max, 50_000);
});

test('in-order deliveries to every receiver are clean', () => {
  const t = new DeliveryTracker(2, 2);
  for (let seq = 1; seq <= 3; seq++) for (const receiver of [0, 1]) for (const sender of [0, 1]) t.record(receiver, sender, seq);
  const counts = t.finish([3, 3]);
  assert.deepEqual(counts, { delivered: 12, expected: 12, lost: 0, duplicated: 0, reordered: 0, impossible: 0 });
  assert.ok(isClean(counts));
});

test('a late arrival that fills a gap is reordered, not lost; a repeat is duplicated', () => {
  const t = new DeliveryTracker(1, 1);
  for (const seq of [1, 3, 2, 3, 4]) t.record(0, 0, seq);
  const counts = t.finish([4]);
  assert.equal(counts.reordered, 1);
  assert.equal(counts.duplicated, 1);
  assert.equal(counts.lost, 0);
  assert.ok(!isClean(counts));
});

test('what never arrives is lost: a hole in the middle and a missing tail', () => {
  const t = new DeliveryTracker(1, 1);
  for (const seq of [1, 2, 4, 5]) t.record(0, 0, seq);
  assert.equal(t.finish([7]).lost, 3); // 3, 6 and 7
});

test('a receiver that got nothing lost everything; a sender that does not exist is impossible', () => {
  const t = new DeliveryTracker(2, 1);
  t.record(0, 0, 1);
  t.record(0, 5, 1);
  const counts = t.finish([1]);
  assert.equal(counts.lost, 1);
  assert.equal(counts.impossible, 1);
});

function markers(): { sink: MarkerSink; seen: string[]; corrupt: () => number } {
  const seen: string[] = [];
  let corrupt = 0;
  return { seen, corrupt: () => corrupt, sink: { marker: (s, q, ts) => seen.push(`${s}.${q}.${ts}`), corrupt: () => corrupt++ } };
}

test('markers are found in JSON frames and text lines alike', () => {
  const { sink, seen } = markers();
  const text = markerText(3, 17, 123456, 64);
  assert.equal(text.length, 64);
  const bytes = Buffer.from(`{"type":"message","seq":9,"text":"${text}"}\n#lobby:10 <guest-3> ${markerText(4, 1, 99, 64)}\n`);
  assert.equal(scanMarkers(bytes, 0, bytes.length, sink), bytes.length);
  assert.deepEqual(seen, ['3.17.123456', '4.1.99']);
});

test('a marker split across two reads is carried over and found whole', () => {
  const { sink, seen } = markers();
  const bytes = Buffer.from(`a ${markerText(1, 2, 345678, 30)}\n`);
  const cut = bytes.indexOf('.') + 2;
  const rest = scanMarkers(bytes.subarray(0, cut), 0, cut, sink);
  assert.deepEqual(seen, []);
  const joined = Buffer.concat([bytes.subarray(rest, cut), bytes.subarray(cut)]);
  scanMarkers(joined, 0, joined.length, sink);
  assert.deepEqual(seen, ['1.2.345678']);
});

test('two senders’ bytes interleaved mid-marker are reported as corrupt', () => {
  const { sink, seen, corrupt } = markers();
  const bytes = Buffer.from('client1> ~B1.5.12client2> ~B2.7.99~ xx\n');
  scanMarkers(bytes, 0, bytes.length, sink);
  assert.deepEqual(seen, ['2.7.99']);
  assert.equal(corrupt(), 1);
});

test('server frames are walked in place; an unfinished frame is left for the next read', () => {
  const text = Buffer.from([0x81, 5, ...Buffer.from('hello')]);
  const ping = Buffer.from([0x89, 1, 0x2a]);
  const partial = Buffer.from([0x81, 126, 0x01]);
  const bytes = Buffer.concat([text, ping, partial]);
  const data: string[] = [];
  const controls: number[] = [];
  const rest = parseFrames(bytes, 0, bytes.length, {
    data: (b, s, e) => data.push(b.toString('utf8', s, e)),
    control: (op) => controls.push(op),
  });
  assert.deepEqual(data, ['hello']);
  assert.deepEqual(controls, [OPCODE_PING]);
  assert.equal(rest, text.length + ping.length);
});

test('client frames are masked (with a zero key) and carry their length', () => {
  const frame = clientFrame('x'.repeat(200));
  assert.equal(frame[0], 0x81);
  assert.equal(frame[1], 0x80 | 126);
  assert.equal(frame.readUInt16BE(2), 200);
  assert.equal(frame.length, 8 + 200);
});

test('/proc parsing: CPU ticks past a command name with spaces, RSS, machine busy time', () => {
  const stat = '4242 (node (bench) x) S 1 2 3 4 5 6 7 8 9 10 111 222 0 0 20 0 1';
  assert.equal(parseStatTicks(stat), 333);
  assert.equal(parseRssKiB('Name:\tnode\nVmRSS:\t   51234 kB\nThreads:\t7\n'), 51234);
  assert.equal(parseMachineBusyTicks('cpu  10 1 5 900 7 2 3 4 0 0\ncpu0 1 1 1 1 1 1 1 1 0 0\n'), 25);
  assert.equal(parseStatParent(stat), 1);
});

test('a process tree is the root and everything below it, grandchildren included, and nothing beside it', () => {
  const parentOf = new Map([
    [10, 1],
    [11, 10],
    [12, 10],
    [13, 11],
    [20, 1],
  ]);
  assert.deepEqual(descendants(10, parentOf).sort(), [10, 11, 12, 13]);
  assert.deepEqual(descendants(13, parentOf), [13]);
});

test('a real parent with a child: the tree finds the child and its memory counts in the sum', async () => {
  // The parent prints its child's pid once the child runs; both then wait to be killed.
  const parent = spawn(process.execPath, [
    '-e',
    `const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
     c.once('spawn', () => console.log(c.pid)); process.on('SIGTERM', () => { c.kill(); process.exit(0); });`,
  ]);
  try {
    const [line] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string];
    const child = Number(line);
    assert.deepEqual(processTree(parent.pid!).sort(), [parent.pid!, child].sort());
    assert.ok(processTreeRssKiB(parent.pid!) > processRssKiB(parent.pid!), 'the child’s resident memory is in the sum');
  } finally {
    const exited = once(parent, 'exit');
    parent.kill('SIGTERM');
    await exited;
  }
});

test('rounds of one measurement become the median round, with every round kept and every failure counted', () => {
  const clean = { delivered: 100, expected: 100, lost: 0, duplicated: 0, reordered: 0, impossible: 0 };
  const ok = { connectErrors: {}, dropped: {}, corrupt: 0, late: 0 };
  const row = (server: string, deliveriesPerS: number, lost = 0): FanoutRow => ({
    server,
    label: server,
    problems: ok,
    receivers: 100,
    senders: 10,
    window: 16,
    durationS: 5,
    deliveriesPerS,
    messagesPerS: deliveriesPerS / 110,
    latency: { p50: 1, p99: 2, max: 3, samples: 10 },
    serverCpu: 0.9,
    loadCpu: [0.5],
    otherCpu: 0,
    delivery: { ...clean, lost },
  });
  const merged = mergeFanoutRounds([row('a', 300), row('b', 10), row('a', 100, 7), row('b', 30), row('a', 200)]);
  assert.deepEqual(
    merged.map((r) => [r.server, r.deliveriesPerS, r.rounds]),
    [
      ['a', 200, [300, 100, 200]],
      ['b', 10, [10, 30]],
    ],
    'the median (the lower middle of two), in order of first appearance',
  );
  assert.equal(merged[0]!.delivery.lost, 7, 'a loss in a round that is not the median still shows');
  assert.equal(isClean(merged[1]!.delivery), true);
});
