/**
 * Running a room through the hub, against a model (fast-check): three clients join, part, say,
 * kick, ban, unban, op, deop and switch moderation in any order; every answer (its error code, or
 * success) and everyone's membership must be what the model says. The model is IRC's: the first
 * member of a room with no stored rules operates it, roles end on leaving, a ban keeps out and
 * puts out, a moderated room hears only its operators.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Session } from '../../src/core/session.js';
import { type FakeConn, fakeHub } from '../helpers/fake-hub.js';

const NICKS = ['ann', 'bob', 'cy'] as const;
type Nick = (typeof NICKS)[number];

type Command =
  | { kind: 'join' | 'part' | 'say'; by: Nick }
  | { kind: 'kick' | 'ban' | 'unban' | 'op' | 'deop'; by: Nick; target: Nick }
  | { kind: 'moderated'; by: Nick; on: boolean };

const nick = fc.constantFrom(...NICKS);
/** Weighted so that rooms fill up and operators act: most commands then meet a room with people in it. */
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('join' as const), by: nick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('say' as const), by: nick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('part' as const), by: nick }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constantFrom('kick' as const, 'ban' as const, 'unban' as const, 'op' as const, 'deop' as const), by: nick, target: nick }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('moderated' as const), by: nick, on: fc.boolean() }) },
);

/** What the room is, as the model sees it. */
interface Model {
  members: Set<Nick>;
  ops: Set<Nick>;
  banned: Set<Nick>;
  moderated: boolean;
}

/** The answer the model expects: an error code, or 'ok'. Applies the command to the model. */
function step(model: Model, c: Command): string {
  const inRoom = model.members.has(c.by);
  const leave = (who: Nick): void => {
    model.members.delete(who);
    model.ops.delete(who);
  };
  switch (c.kind) {
    case 'join':
      if (inRoom) return 'ok';
      if (model.banned.has(c.by)) return 'banned';
      // A room nobody is in, whose rules are a new room's, is new: its first member creates it.
      if (model.members.size === 0 && model.banned.size === 0 && !model.moderated) model.ops.add(c.by);
      model.members.add(c.by);
      return 'ok';
    case 'part':
      if (!inRoom) return 'not_in_room';
      leave(c.by);
      return 'ok';
    case 'say':
      if (!inRoom) return 'not_in_room';
      return model.moderated && !model.ops.has(c.by) ? 'moderated' : 'ok';
  }
  if (!inRoom) return 'not_in_room';
  if (!model.ops.has(c.by)) return 'not_operator';
  switch (c.kind) {
    case 'moderated':
      model.moderated = c.on;
      return 'ok';
    case 'ban':
      model.banned.add(c.target);
      if (c.target !== c.by) leave(c.target);
      return 'ok';
    case 'unban':
      return model.banned.delete(c.target) ? 'ok' : 'no_such_ban';
  }
  if (!model.members.has(c.target)) return 'no_such_nick';
  if (c.kind === 'kick') leave(c.target);
  else if (c.kind === 'op') model.ops.add(c.target);
  else model.ops.delete(c.target);
  return 'ok';
}

function frameFor(c: Command, ref: number): object {
  const base = { type: c.kind, room: 'r', ref };
  if (c.kind === 'say') return { ...base, text: 'hi' };
  if (c.kind === 'moderated') return { ...base, on: c.on };
  if ('target' in c) return { ...base, target: c.target };
  return base;
}

test('moderation through the hub agrees with the model, answer by answer and member by member', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 10, maxLength: 40, size: 'max' }), async (commands) => {
      const h = fakeHub();
      const clients = new Map<Nick, { conn: FakeConn; session: Session }>();
      for (const name of NICKS) {
        const client = h.connect();
        h.send(client.session, { type: 'nick', nick: name });
        clients.set(name, client);
      }
      const model: Model = { members: new Set(), ops: new Set(), banned: new Set(), moderated: false };
      let ref = 0;
      for (const c of commands) {
        const expected = step(model, c);
        const { conn, session } = clients.get(c.by)!;
        h.send(session, frameFor(c, ++ref));
        await h.scheduler.endTurn();
        const answer = conn.frames.find((f) => 'ref' in f && f.ref === ref);
        assert.ok(answer, `an answer to ${JSON.stringify(c)}`);
        assert.equal(answer.type === 'error' ? answer.code : 'ok', expected, `${JSON.stringify(c)} after ${JSON.stringify(commands.slice(0, commands.indexOf(c)))}`);
        for (const name of NICKS) assert.equal(clients.get(name)!.session.rooms.has('r'), model.members.has(name), `${name} in #r`);
        h.send(session, { type: 'who', room: 'r', ref: `who${ref}` });
        await h.scheduler.endTurn();
        const who = conn.of('who').find((f) => f.ref === `who${ref}`)!;
        const ops = who.members.filter((m) => m.role === 'operator').map((m) => m.nick).sort();
        assert.deepEqual(ops, [...model.ops].sort(), 'operators');
      }
    }),
    { numRuns: 60 },
  );
});
