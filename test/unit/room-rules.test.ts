/**
 * The pure rule logic of src/core/room-rules.ts against models: bans (set, replaced, lifted,
 * expiring, capped), joining and speaking (moderation and slow mode), with fast-check; and the memory
 * store of rules within its budget (every store's contract: test/contract/room-rules-store.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Ban, Role } from '../../src/core/events.js';
import { BANS_MAX_PER_ROOM } from '../../src/core/limits.js';
import { banOf, DEFAULT_RULES, isDefault, joinRefusal, speakRefusal, withBan, withoutBan, type RoomRules } from '../../src/core/room-rules.js';
import { HubError } from '../../src/core/errors.js';
import { MemoryRoomRules } from '../../src/core/room-rules-store.js';

const nicks = fc.constantFrom('ann', 'bob', 'cy');
const ids = fc.integer({ min: 1, max: 4 });
/** A ban target: a nick, an id, or both (a connected member). */
const target = fc.oneof(
  nicks.map((nick) => ({ nick })),
  ids.map((id) => ({ id })),
  fc.tuple(nicks, ids).map(([nick, id]) => ({ nick, id })),
);

type Op =
  | { kind: 'ban'; target: { nick?: string; id?: number }; seconds: number | undefined }
  | { kind: 'unban'; target: { nick?: string; id?: number } }
  | { kind: 'wait'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('ban' as const), target, seconds: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }) }),
  fc.record({ kind: fc.constant('unban' as const), target: fc.oneof(nicks.map((nick) => ({ nick })), ids.map((id) => ({ id }))) }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 60_000 }) }),
);

/** The model: the bans in force, each with its end, keyed by what they name. */
interface ModelBan {
  nick?: string;
  id?: number;
  until: number;
}

function modelBanned(model: ModelBan[], nick: string, id: number, now: number): boolean {
  return model.some((b) => b.until > now && (b.nick === nick || b.id === id));
}

test('bans against a model: a ban of the same target replaces the old one, unban lifts what names it, bans expire', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      let rules: RoomRules = DEFAULT_RULES;
      let model: ModelBan[] = [];
      let now = 1_000_000;
      for (const o of ops) {
        if (o.kind === 'wait') now += o.ms;
        else if (o.kind === 'ban') {
          const ban: Ban = { ...o.target, by: 'op', at: now, ...(o.seconds !== undefined && { until: now + o.seconds * 1000 }) };
          rules = withBan(rules, ban, now);
          const same = (b: ModelBan) => (o.target.nick !== undefined ? b.nick === o.target.nick : b.nick === undefined && b.id === o.target.id);
          model = [...model.filter((b) => b.until > now && !same(b)), { ...o.target, until: ban.until ?? Infinity }];
        } else {
          const names = (b: ModelBan) => (o.target.nick !== undefined && b.nick === o.target.nick) || (o.target.id !== undefined && b.id === o.target.id);
          const live = model.filter((b) => b.until > now);
          if (!live.some(names)) {
            assert.throws(() => withoutBan(rules, o.target, now), (err: HubError) => err.code === 'no_such_ban');
            continue;
          }
          const { rules: next, lifted } = withoutBan(rules, o.target, now);
          assert.equal(lifted.length, live.filter(names).length);
          rules = next;
          model = live.filter((b) => !names(b));
        }
        for (const nick of ['ann', 'bob', 'cy']) {
          for (const id of [1, 2, 3, 4]) {
            assert.equal(banOf(rules, { nickKey: nick, id }, now) !== undefined, modelBanned(model, nick, id, now), `${nick} #${id} at ${now}`);
          }
        }
      }
    }),
  );
});

test('a ban list never holds more than its cap, and a full list refuses with ban_list_full', () => {
  let rules: RoomRules = DEFAULT_RULES;
  for (let i = 0; i < BANS_MAX_PER_ROOM; i++) rules = withBan(rules, { nick: `n${i}`, by: 'op', at: 0 }, 0);
  assert.throws(() => withBan(rules, { nick: 'more', by: 'op', at: 0 }, 0), (err: HubError) => err.code === 'ban_list_full');
  // Replacing one already there, or once one has expired, is room enough.
  assert.equal(withBan(rules, { nick: 'n0', by: 'op', at: 0, until: 5 }, 0).bans.length, BANS_MAX_PER_ROOM);
  const expiring = withBan(withoutBan(rules, { nick: 'n0' }, 0).rules, { nick: 'x', by: 'op', at: 0, until: 10 }, 0);
  assert.equal(withBan(expiring, { nick: 'y', by: 'op', at: 10 }, 10).bans.length, BANS_MAX_PER_ROOM);
});

const rulesArb: fc.Arbitrary<RoomRules> = fc.record({
  topicLocked: fc.boolean(),
  moderated: fc.boolean(),
  inviteOnly: fc.boolean(),
  key: fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }),
  memberLimit: fc.integer({ min: 0, max: 5 }),
  slowSeconds: fc.integer({ min: 0, max: 10 }),
  operators: fc.constant([]),
  bans: fc.array(fc.record({ nick: nicks, by: fc.constant('op'), at: fc.constant(0) }), { maxLength: 2 }),
});

test('joining against a model: granted operators always; else ban, then invite-only, then key, then limit', () => {
  fc.assert(
    fc.property(
      rulesArb,
      nicks,
      fc.boolean(),
      fc.boolean(),
      fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }),
      fc.integer({ min: 0, max: 6 }),
      (rules, nick, granted, invited, key, members) => {
        const refusal = joinRefusal('r', rules, { nickKey: nick, id: 9, granted, invited, key }, members, 1);
        const expected = granted
          ? undefined
          : rules.bans.some((b) => b.nick === nick)
            ? 'banned'
            : rules.inviteOnly && !invited
              ? 'invite_only'
              : rules.key !== undefined && key !== rules.key
                ? 'bad_key'
                : rules.memberLimit > 0 && members >= rules.memberLimit
                  ? 'room_full'
                  : undefined;
        assert.equal(refusal?.code, expected);
      },
    ),
  );
});

test('speaking against a model: in slow mode accepted messages are at least the interval apart, and a refusal says the seconds left', () => {
  fc.assert(
    fc.property(
      rulesArb,
      fc.constantFrom<Role>('operator', 'voiced', 'member'),
      fc.array(fc.integer({ min: 0, max: 12_000 }), { maxLength: 30 }),
      (rules, role, gaps) => {
        let now = 0;
        let last: number | undefined;
        const accepted: number[] = [];
        for (const gap of gaps) {
          now += gap;
          const refusal = speakRefusal('r', rules, role, last, now);
          if (role !== 'operator' && rules.moderated && role !== 'voiced') {
            assert.equal(refusal?.code, 'moderated');
            continue;
          }
          if (refusal) {
            assert.equal(refusal.code, 'slow_mode');
            const wait = Number(/wait (\d+) s/.exec(refusal.message)![1]);
            const left = last! + rules.slowSeconds * 1000 - now;
            assert.ok(left > 0 && wait === Math.ceil(left / 1000) && wait <= rules.slowSeconds, `wait ${wait} for ${left} ms`);
            continue;
          }
          accepted.push(now);
          if (rules.slowSeconds > 0 && role !== 'operator') last = now;
        }
        if (role !== 'operator' && rules.slowSeconds > 0) {
          for (let i = 1; i < accepted.length; i++) assert.ok(accepted[i]! - accepted[i - 1]! >= rules.slowSeconds * 1000);
        }
        if (role === 'operator') assert.equal(accepted.length, gaps.length, 'operators are never refused');
      },
    ),
  );
});

test('only a new room\'s rules are default: any setting makes them worth storing', () => {
  assert.equal(isDefault(DEFAULT_RULES), true);
  for (const change of [{ topicLocked: false }, { moderated: true }, { inviteOnly: true }, { key: 'k' }, { memberLimit: 1 }, { slowSeconds: 1 }, { operators: ['a'] }]) {
    assert.equal(isDefault({ ...DEFAULT_RULES, ...change }), false, JSON.stringify(change));
  }
  assert.equal(isDefault({ ...DEFAULT_RULES, topic: { text: 't', by: 'a', ts: 0 } }), false);
  assert.equal(isDefault({ ...DEFAULT_RULES, bans: [{ nick: 'a', by: 'b', at: 0 }] }), false);
});

test('the memory store keeps at most its byte budget, forgetting the rooms saved longest ago; forgetting a room frees its bytes', () => {
  const rules = (n: number): RoomRules => ({ ...DEFAULT_RULES, topic: { text: 'x'.repeat(n), by: 'op', ts: 0 } });
  const store = new MemoryRoomRules(1_200);
  store.save('a', rules(200));
  store.save('b', rules(200));
  store.save('c', rules(200));
  assert.equal(store.load('a')?.topic?.text.length, 200);
  store.save('a', rules(300)); // saved again: now the newest
  store.save('d', rules(300));
  assert.ok(store.bytesHeld <= 1_200, `${store.bytesHeld} bytes held`);
  assert.equal(store.load('b'), undefined, 'b was saved longest ago');
  assert.equal(store.load('a')?.topic?.text.length, 300);
  assert.equal(store.load('d')?.topic?.text.length, 300);
  const before = store.bytesHeld;
  store.save('d', undefined);
  assert.equal(store.load('d'), undefined);
  assert.ok(store.bytesHeld < before);
});
