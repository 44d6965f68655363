/**
 * Room moderation through the IRC door: TOPIC, channel MODE (o v b i k l m t), KICK and INVITE map
 * onto hubbub's room rules, so what an IRC operator does holds for WebSocket users and back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { WsClient, isType } from '../helpers/clients.js';
import { IrcClient } from '../helpers/irc-client.js';
import { startTestServer } from '../helpers/server.js';
import { AUDIENCE, SECRET, hmacToken, inSeconds } from '../helpers/tokens.js';

let server: RunningServer;
let ircPort: number;
before(async () => {
  server = await startTestServer({ floodBurst: 0, presenceBatchMs: 0 }, { ircPort: '0' });
  ircPort = server.ircPort!;
});
after(() => server.close());

async function joined(client: IrcClient, channel: string): Promise<void> {
  client.send(`JOIN ${channel}`);
  await client.next('366');
}

test('TOPIC: the operator sets it, everyone sees it, a newcomer gets 332 and 333; a member may not (482)', async () => {
  const op = await IrcClient.registered(ircPort, 'topicop');
  await joined(op, '#topics');
  const member = await IrcClient.registered(ircPort, 'topicmember');
  await joined(member, '#topics');
  const ws = await WsClient.connect(server.httpPort);
  ws.send({ type: 'join', room: 'topics' });
  await ws.frames.next(isType('joined'));

  op.send('TOPIC #topics :release on friday');
  for (const c of [op, member]) {
    const change = await c.next('TOPIC');
    assert.match(change.source!, /^topicop!/);
    assert.deepEqual(change.params, ['#topics', 'release on friday']);
  }
  assert.equal(((await ws.frames.next(isType('topic'))).topic as { text: string }).text, 'release on friday');
  member.send('TOPIC #topics :mine now');
  assert.equal((await member.next('482')).params[1], '#topics');

  const late = await IrcClient.registered(ircPort, 'latecomer');
  late.send('JOIN #topics');
  assert.deepEqual((await late.next('332')).params.slice(1), ['#topics', 'release on friday']);
  assert.deepEqual((await late.next('333')).params.slice(1, 3), ['#topics', 'topicop']);
  late.send('LIST #topics');
  assert.equal((await late.next('322')).params[3], 'release on friday');
  late.send('TOPIC #no-such-room');
  assert.equal((await late.next('403')).params[1], '#no-such-room');
  late.send('PART #topics');
  await late.next('PART');
  late.send('TOPIC #topics :from outside');
  assert.equal((await late.next('442')).params[1], '#topics');
  late.send('KICK #topics topicmember');
  assert.equal((await late.next('442')).params[1], '#topics');
  for (const c of [op, member, late]) c.close();
  ws.close();
});

test('MODE +m and +v: a moderated room is moderated for IRC and WebSocket users alike', async () => {
  const op = await IrcClient.registered(ircPort, 'modop');
  await joined(op, '#quiet');
  const talker = await IrcClient.registered(ircPort, 'talker2');
  await joined(talker, '#quiet');
  const ws = await WsClient.connect(server.httpPort);
  ws.send({ type: 'join', room: 'quiet' });
  await ws.frames.next(isType('joined'));

  op.send('MODE #quiet');
  assert.deepEqual((await op.next('324')).params.slice(1), ['#quiet', '+nt']);
  op.send('MODE #quiet +m');
  assert.deepEqual((await talker.next('MODE')).params, ['#quiet', '+m']);
  assert.equal((await ws.frames.next(isType('modes'))).moderated, true);
  talker.send('PRIVMSG #quiet :can I speak?');
  assert.deepEqual((await talker.next('404')).params.slice(1), ['#quiet', 'Cannot send to channel (+m)']);
  ws.send({ type: 'say', room: 'quiet', text: 'me neither?' });
  assert.equal((await ws.frames.next(isType('error'))).code, 'moderated');

  op.send('MODE #quiet +v talker2');
  const voiced = await talker.next('MODE');
  assert.deepEqual(voiced.params, ['#quiet', '-o+v', 'talker2', 'talker2']);
  talker.send('PRIVMSG #quiet :now I can');
  assert.equal((await ws.frames.next((f) => f.type === 'message' && f.from === 'talker2')).text, 'now I can');
  talker.send('NAMES #quiet');
  assert.deepEqual(new Set((await talker.next('353')).params[3]!.split(' ')), new Set(['@modop', '+talker2', ws.welcome.nick as string]));

  op.send('MODE #quiet -m+t');
  assert.deepEqual((await talker.next('MODE')).params, ['#quiet', '-m'], 'only what changed (t was on)');
  talker.send('MODE #quiet +m');
  assert.equal((await talker.next('482')).params[1], '#quiet');
  for (const c of [op, talker]) c.close();
  ws.close();
});

test('MODE +i with INVITE, +k with a key, +l with a limit: joins refused with 473, 475, 471', async () => {
  const op = await IrcClient.registered(ircPort, 'gateop');
  await joined(op, '#gated');
  const guest = await IrcClient.registered(ircPort, 'gateguest');

  op.send('MODE #gated +i');
  await op.next('MODE');
  guest.send('JOIN #gated');
  assert.equal((await guest.next('473')).params[1], '#gated');
  op.send('INVITE gateguest #gated');
  assert.deepEqual((await op.next('341')).params.slice(1), ['gateguest', '#gated']);
  const invitation = await guest.next('INVITE');
  assert.match(invitation.source!, /^gateop!/);
  assert.deepEqual(invitation.params, ['gateguest', '#gated']);
  await joined(guest, '#gated');
  guest.send('PART #gated');
  await guest.next('PART');

  op.send('MODE #gated -i+k sesame');
  assert.deepEqual((await op.next('MODE')).params, ['#gated', '+k-i', '*']);
  guest.send('JOIN #gated');
  assert.equal((await guest.next('475')).params[1], '#gated');
  guest.send('JOIN #gated wrong');
  await guest.next('475');
  guest.send('JOIN #gated sesame');
  assert.deepEqual((await guest.next('JOIN')).params, ['#gated']);
  guest.send('PART #gated');
  await guest.next('PART');

  // k takes a parameter when unset too (CHANMODES type B).
  op.send('MODE #gated -k+l * 1');
  assert.deepEqual((await op.next('MODE')).params, ['#gated', '+l-k', '*', '1']);
  guest.send('JOIN #gated');
  assert.equal((await guest.next('471')).params[1], '#gated');
  op.send('MODE #gated');
  assert.deepEqual((await op.next('324')).params.slice(1), ['#gated', '+ntl', '1']);
  op.close();
  guest.close();
});

test('KICK and MODE +b from IRC put a WebSocket user out; the ban holds; 482 for a member, 441 for a stranger', async () => {
  const op = await IrcClient.registered(ircPort, 'bouncer');
  await joined(op, '#club');
  const ws = await WsClient.connect(server.httpPort);
  ws.send({ type: 'nick', nick: 'rowdy' });
  await ws.frames.next(isType('nick'));
  ws.send({ type: 'join', room: 'club' });
  await ws.frames.next(isType('joined'));
  await op.next((m) => m.command === 'JOIN' && m.source!.startsWith('rowdy!'));

  op.send('KICK #club rowdy :calm down');
  const kicked = await op.next('KICK');
  assert.deepEqual(kicked.params, ['#club', 'rowdy', 'calm down']);
  const left = await ws.frames.next(isType('left'));
  assert.deepEqual([left.reason, left.by, left.message], ['kicked', 'bouncer', 'calm down']);

  ws.send({ type: 'join', room: 'club' });
  await ws.frames.next(isType('joined'));
  op.send('MODE #club +b rowdy!*@*');
  assert.deepEqual((await op.next('MODE')).params, ['#club', '+b', 'rowdy!*@*']);
  assert.equal((await op.next('KICK')).params[1], 'rowdy');
  assert.equal((await ws.frames.next(isType('left'))).reason, 'kicked');
  ws.send({ type: 'join', room: 'club' });
  assert.equal((await ws.frames.next(isType('error'))).code, 'banned');
  op.send('MODE #club b');
  assert.equal((await op.next('367')).params[2], 'rowdy!*@*');
  await op.next('368');
  op.send('MODE #club -b rowdy');
  assert.deepEqual((await op.next('MODE')).params, ['#club', '-b', 'rowdy!*@*']);

  const member = await IrcClient.registered(ircPort, 'plainmember');
  await joined(member, '#club');
  member.send('KICK #club bouncer');
  assert.equal((await member.next('482')).params[1], '#club');
  op.send('KICK #club nobody-at-all');
  assert.deepEqual((await op.next('441')).params.slice(1, 3), ['nobody-at-all', '#club']);
  for (const c of [op, member]) c.close();
  ws.close();
});

test('a WebSocket operator kicks an IRC user: it gets KICK for itself and is out of the channel', async () => {
  const ws = await WsClient.connect(server.httpPort);
  ws.send({ type: 'nick', nick: 'wsop' });
  await ws.frames.next(isType('nick'));
  ws.send({ type: 'join', room: 'wsrun' });
  await ws.frames.next(isType('joined'));
  const irc = await IrcClient.registered(ircPort, 'kickme');
  await joined(irc, '#wsrun');
  ws.send({ type: 'kick', room: 'wsrun', target: 'kickme', reason: 'testing' });
  const kick = await irc.next('KICK');
  assert.match(kick.source!, /^wsop!/);
  assert.deepEqual(kick.params, ['#wsrun', 'kickme', 'testing']);
  irc.send('PRIVMSG #wsrun :still here?');
  assert.equal((await irc.next('404')).params[1], '#wsrun');
  irc.close();
  ws.close();
});

test('OPER with --irc-operators credentials, then KILL (anyone, any door) and WALLOPS (to +w)', async () => {
  const s = await startTestServer({ floodBurst: 0 }, { ircPort: '0', ircOperators: 'root:hunter2' });
  try {
    const admin = await IrcClient.registered(s.ircPort!, 'admin');
    const listener = await IrcClient.registered(s.ircPort!, 'listener');
    listener.send('MODE listener +w');
    await listener.next('MODE');
    admin.send('KILL listener :no');
    await admin.next('481');
    admin.send('OPER root wrong');
    await admin.next('464');
    admin.send('OPER nobody hunter2');
    await admin.next('464');
    admin.send('OPER root hunter2');
    await admin.next('381');
    assert.deepEqual((await admin.next('MODE')).params, ['admin', '+o']);
    listener.send('WHOIS admin');
    assert.equal((await listener.next('313')).params[1], 'admin');

    admin.send('WALLOPS :maintenance at noon');
    const wallops = await listener.next('WALLOPS');
    assert.match(wallops.source!, /^admin!/);
    assert.deepEqual(wallops.params, ['maintenance at noon']);

    const ws = await WsClient.connect(s.httpPort);
    ws.send({ type: 'nick', nick: 'spammer' });
    await ws.frames.next(isType('nick'));
    admin.send('KILL spammer :spamming');
    const bye = await ws.frames.next(isType('bye'));
    assert.equal(bye.code, 'killed');
    assert.match(bye.message as string, /killed by admin \(spamming\)/);
    admin.send('KILL listener :you too');
    assert.match((await listener.next('ERROR')).params[0]!, /killed by admin/);
    admin.send('KILL ghost :x');
    await admin.next('401');
    admin.close();
  } finally {
    await s.close();
  }
});

test('without --irc-operators, OPER gets 491', async () => {
  const c = await IrcClient.registered(ircPort, 'wannabe');
  c.send('OPER root hunter2');
  await c.next('491');
  c.close();
});

test('PASS signs in: with --password a client without it gets 464 and stays unregistered; a token makes its subject the nick and room operator as granted', async () => {
  const s = await startTestServer({ floodBurst: 0 }, { ircPort: '0', password: 'letmein', authSecret: SECRET, authAudience: AUDIENCE });
  try {
    const stranger = await IrcClient.connect(s.ircPort!);
    stranger.send('NICK stranger');
    stranger.send('USER s 0 * :s');
    await stranger.next('464');
    stranger.send('JOIN #x');
    await stranger.next('451');
    const wrong = await IrcClient.connect(s.ircPort!);
    wrong.send('PASS nope');
    wrong.send('NICK wrong');
    wrong.send('USER w 0 * :w');
    assert.match((await wrong.next('464')).params[1]!, /Password incorrect/);

    const member = await IrcClient.connect(s.ircPort!);
    member.send('PASS letmein');
    await member.register('member');

    const token = await hmacToken({ sub: 'boss', ops: '*', exp: inSeconds(3600) });
    const boss = await IrcClient.connect(s.ircPort!);
    boss.send(`PASS ${token}`);
    boss.send('NICK whatever');
    boss.send('USER b 0 * :b');
    assert.equal((await boss.next('001')).params[0], 'boss', 'the subject is the nick');
    boss.send('NICK someoneelse');
    assert.match((await boss.next('432')).params[2]!, /token's subject/);
    member.send('NICK BOSS');
    assert.match((await member.next('432')).params[2]!, /signed-in user/);
    await joined(member, '#run');
    boss.send('JOIN #run');
    assert.ok((await boss.next('353')).params[3]!.split(' ').includes('@boss'), 'a token operator of every room');
    for (const c of [stranger, wrong, member, boss]) c.close();
  } finally {
    await s.close();
  }
});
