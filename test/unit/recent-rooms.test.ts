/** @module RecentRooms: the bounded per-room table both stores keep their rooms in. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RecentRooms } from '../../src/store/recent-rooms.js';

interface Room {
  name: string;
  pinned: boolean;
}

/** A table of `Room`s that counts how often it asks whether a room is pinned, and records what it forgets. */
function table(maxRooms: number): { rooms: RecentRooms<Room>; asked: () => number; forgotten: string[] } {
  let asked = 0;
  const forgotten: string[] = [];
  const rooms = new RecentRooms<Room>(
    maxRooms,
    (room) => {
      asked++;
      return room.pinned;
    },
    (room) => forgotten.push(room.name),
  );
  return { rooms, asked: () => asked, forgotten };
}

const names = (rooms: RecentRooms<Room>): string[] => [...rooms.values()].map((room) => room.name);

test('holds at most maxRooms rooms, forgetting the least recently added or touched first', () => {
  const { rooms, forgotten } = table(3);
  for (const name of ['a', 'b', 'c']) rooms.add(name, { name, pinned: false });
  rooms.touch('a', rooms.get('a')!);
  rooms.add('d', { name: 'd', pinned: false });
  assert.deepEqual(names(rooms), ['c', 'a', 'd']);
  assert.deepEqual(forgotten, ['b']);
  assert.equal(rooms.get('b'), undefined);
});

test('never forgets a pinned room, stops at the first one, and catches up at the next trim', () => {
  const { rooms, asked, forgotten } = table(2);
  for (let i = 0; i < 20_000; i++) rooms.add(`r${i}`, { name: `r${i}`, pinned: true });
  assert.equal(rooms.size, 20_000);
  assert.equal(forgotten.length, 0);
  assert.ok(asked() <= 20_000, `asked ${asked()} times: one look per add, never a scan of the pinned rooms`);
  for (const room of rooms.values()) room.pinned = false;
  rooms.trim();
  assert.deepEqual(names(rooms), ['r19998', 'r19999']);
});

test('refuses to hold fewer than one room', () => {
  assert.throws(() => new RecentRooms(0, () => false), /at least 1 room/);
  assert.throws(() => new RecentRooms(1.5, () => false), /at least 1 room/);
});

type Op = { kind: 'add' | 'touch' | 'pin' | 'unpin'; name: string } | { kind: 'trim' };

test('property: the table is the model list (oldest first), trimmed from the front up to the first pinned room', () => {
  const nameArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constantFrom<'add' | 'touch' | 'pin' | 'unpin'>('add', 'touch', 'pin', 'unpin'), name: nameArb }),
    fc.constant({ kind: 'trim' as const }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.array(opArb, { maxLength: 60 }), (maxRooms, ops) => {
      const { rooms, asked, forgotten } = table(maxRooms);
      let model: Room[] = [];
      const trimModel = (): void => {
        while (model.length > maxRooms && !model[0]!.pinned) model.shift();
      };
      for (const op of ops) {
        const before = { asked: asked(), forgotten: forgotten.length };
        if (op.kind === 'trim') {
          rooms.trim();
          trimModel();
        } else {
          const held = model.find((room) => room.name === op.name);
          if (op.kind === 'add' && !held) {
            const room = { name: op.name, pinned: false };
            rooms.add(op.name, room);
            model.push(room);
            trimModel();
          } else if (op.kind === 'touch' && held) {
            rooms.touch(op.name, held);
            model = [...model.filter((room) => room !== held), held];
          } else if (held && (op.kind === 'pin' || op.kind === 'unpin')) {
            held.pinned = op.kind === 'pin';
          }
        }
        assert.deepEqual(names(rooms), model.map((room) => room.name));
        assert.ok(asked() - before.asked <= forgotten.length - before.forgotten + 1, 'a walk looks at one room more than it forgets at the most');
      }
    }),
    { seed: 20_251_001 },
  );
});
