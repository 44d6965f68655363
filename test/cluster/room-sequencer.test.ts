/**
 * The gap filler against a model of one room in Redis: a stream that grows and is trimmed from
 * its head, pub/sub that delivers batches in order but loses some (a subscription that was down),
 * and stream reads that answer whenever the test lets them. Whatever happens, a node must deliver
 * each seq once, in order, and report as lost only what was trimmed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { RoomMessage } from '../../src/core/events.js';
import { RoomSequencer } from '../../src/cluster/room-sequencer.js';

const ROOM = 'r';

type Event = { delivered: number } | { lost: [number, number] };

function message(seq: number): RoomMessage {
  return { room: ROOM, seq, from: 'alice', fromId: 1, text: `m${seq}`, ts: seq };
}

/** One room in "Redis", one subscriber node, and the reads it has in flight. */
class World {
  last = 0;
  firstKept = 1;
  /** Publications on their way through pub/sub, in order. */
  readonly wire: RoomMessage[][] = [];
  readonly reads: { after: number; limit: number; resolve: (m: RoomMessage[]) => void }[] = [];
  readonly events: Event[] = [];
  readonly sequencer: RoomSequencer;

  constructor(readBatch: number, maxHeld: number) {
    this.sequencer = new RoomSequencer(
      {
        readAfter: (_room, after, limit) => new Promise((resolve) => this.reads.push({ after, limit, resolve })),
        deliver: (m) => {
          assert.equal(m.text, `m${m.seq}`, 'delivered with its own content');
          this.events.push({ delivered: m.seq });
        },
        lost: (_room, from, to) => this.events.push({ lost: [from, to] }),
        readFailed: () => assert.fail('reads do not fail in this model'),
      },
      { readBatch, maxHeld },
    );
  }

  publish(count: number, lose: boolean): void {
    const batch = Array.from({ length: count }, (_, i) => message(this.last + 1 + i));
    this.last += count;
    if (!lose) this.wire.push(batch);
  }

  /** Answers the oldest read with what the stream holds now. */
  answerRead(): void {
    const read = this.reads.shift();
    if (!read) return;
    const messages: RoomMessage[] = [];
    for (let seq = Math.max(read.after + 1, this.firstKept); seq <= this.last && messages.length < read.limit; seq++) messages.push(message(seq));
    read.resolve(messages);
  }

  deliverWire(): void {
    const batch = this.wire.shift();
    if (batch) this.sequencer.receive(ROOM, batch);
  }

  /** Lets promise callbacks (the sequencer's read continuations) run. */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

/** Delivered and lost events must cover `start`.. contiguously, in order, each seq once. */
function assertContiguous(events: Event[], start: number, trimmedBelow: number): number {
  let next = start;
  for (const event of events) {
    if ('delivered' in event) {
      assert.equal(event.delivered, next, `expected seq ${next} next, got ${event.delivered}`);
      next++;
    } else {
      const [from, to] = event.lost;
      assert.equal(from, next, 'a lost range starts where delivery stopped');
      assert.ok(to >= from);
      assert.ok(to < trimmedBelow, `seqs ${from}..${to} reported lost but ${to} was never trimmed`);
      next = to + 1;
    }
  }
  return next;
}

const operation = fc.oneof(
  fc.record({ op: fc.constant('publish' as const), count: fc.integer({ min: 1, max: 4 }), lose: fc.boolean() }),
  fc.record({ op: fc.constant('deliver' as const) }),
  fc.record({ op: fc.constant('answer' as const) }),
  fc.record({ op: fc.constant('trim' as const), count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ op: fc.constant('check' as const) }),
);

describe('RoomSequencer', () => {
  test('in order, each seq once, nothing skipped without a lost report, whatever pub/sub loses and however reads interleave', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(operation, { maxLength: 60 }),
        async (history, readBatch, maxHeld, operations) => {
          const world = new World(readBatch, maxHeld);
          world.last = history;
          world.sequencer.track(ROOM, history);
          for (const step of operations) {
            if (step.op === 'publish') world.publish(step.count, step.lose);
            else if (step.op === 'deliver') world.deliverWire();
            else if (step.op === 'answer') world.answerRead();
            else if (step.op === 'trim') world.firstKept = Math.min(world.last + 1, world.firstKept + step.count);
            else assert.equal(world.sequencer.check(ROOM, world.last), 'ok');
            await world.settle();
            assertContiguous(world.events, history + 1, world.firstKept);
          }
          // Drain: everything still on the wire arrives, a check runs, reads are answered until none is left.
          while (world.wire.length > 0) {
            world.deliverWire();
            await world.settle();
          }
          world.sequencer.check(ROOM, world.last);
          for (let guard = 0; world.reads.length > 0; guard++) {
            assert.ok(guard < 1000, 'reads keep coming');
            world.answerRead();
            await world.settle();
          }
          const next = assertContiguous(world.events, history + 1, world.firstKept);
          assert.equal(next, world.last + 1, 'caught up with the stream');
          assert.equal(world.sequencer.delivered(ROOM), world.last);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a live room with no gap is delivered straight from its publications, without a single read', async () => {
    const world = new World(10, 10);
    world.sequencer.track(ROOM, 0);
    for (let i = 0; i < 20; i++) {
      world.publish(3, false);
      world.deliverWire();
    }
    await world.settle();
    assert.equal(world.reads.length, 0);
    assert.equal(world.events.length, 60);
  });

  test('a counter below what was delivered is reported, not "filled"', () => {
    const world = new World(10, 10);
    world.sequencer.track(ROOM, 7);
    assert.equal(world.sequencer.check(ROOM, 3), 'went-back');
    assert.equal(world.sequencer.check(ROOM, 7), 'ok');
  });

  test('after untrack, neither publications nor a read answered late deliver anything', async () => {
    const world = new World(10, 10);
    world.sequencer.track(ROOM, 0);
    world.publish(1, true);
    world.publish(1, false);
    world.deliverWire();
    assert.equal(world.reads.length, 1, 'the gap at seq 1 is being read');
    world.sequencer.untrack(ROOM);
    world.answerRead();
    world.publish(1, false);
    world.deliverWire();
    await world.settle();
    assert.deepEqual(world.events, []);
  });
});
