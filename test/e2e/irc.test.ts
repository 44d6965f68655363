/** End to end: IRC clients on the IRC port, in the same rooms as WebSocket and nc-style text users. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { TcpClient, WsClient, isType } from '../helpers/clients.js';
import { IrcClient } from '../helpers/irc-client.js';
import { startTestServer } from '../helpers/server.js';

let server: RunningServer;
let ircPort: number;
before(async () => {
  // Flood control has its own test below, on a server of its own.
  server = await startTestServer({ floodBurst: 0 }, { ircPort: '0' });
  ircPort = server.ircPort!;
});
after(() => server.close());

test('registration: CAP LS holds the burst until CAP END; 001-005, LUSERS and MOTD follow; every line ends in CR LF', async () => {
  const c = await IrcClient.connect(ircPort);
  c.send('CAP LS 302');
  c.send('NICK capper');
  c.send('USER capper 0 * :Cap Per');
  const ls = await c.next('CAP');
  assert.deepEqual(ls.params.slice(0, 2), ['*', 'LS']);
  assert.ok(ls.params[2]!.split(' ').includes('server-time'));
  c.send('CAP REQ :server-time bogus-cap');
  assert.deepEqual((await c.next('CAP')).params.slice(1), ['NAK', 'server-time bogus-cap']);
  c.send('CAP REQ :server-time');
  assert.deepEqual((await c.next('CAP')).params.slice(1), ['ACK', 'server-time']);
  c.send('CAP END');
  const welcome = await c.next('001');
  assert.equal(welcome.params[0], 'capper');
  assert.match(welcome.params[1]!, /capper!\d+@hubbub/);
  for (const code of ['002', '003', '004']) assert.equal((await c.next(code)).params[0], 'capper');
  const isupport = [...(await c.next('005')).params, ...(await c.next('005')).params];
  for (const token of ['CASEMAPPING=rfc8265', 'CHANTYPES=#', 'NICKLEN=32', 'CHANNELLEN=65', 'PREFIX=(ov)@+', 'CHANMODES=b,k,l,imnt']) assert.ok(isupport.includes(token), token);
  await c.next('251');
  await c.next('376');
  assert.deepEqual(c.bareLf, []);
  c.close();
});

test('commands before registration get 451; unknown ones 421 after; PING is answered with its token', async () => {
  const c = await IrcClient.connect(ircPort);
  c.send('JOIN #early');
  assert.deepEqual((await c.next('451')).params, ['*', 'You have not registered']);
  c.send('PING :before registering');
  assert.deepEqual((await c.next('PONG')).params.at(-1), 'before registering');
  c.send('NICK pinger');
  c.send('USER p 0 * :p');
  await c.next('376');
  c.send('FROBNICATE now');
  assert.deepEqual((await c.next('421')).params, ['pinger', 'FROBNICATE', 'Unknown command']);
  c.send('PING');
  await c.next('409');
  c.close();
});

test('nick rules map across: 432 for what hubbub refuses, 433 for a taken nick (case-folded), 431 for none', async () => {
  const taken = await IrcClient.registered(ircPort, 'Holder');
  const c = await IrcClient.connect(ircPort);
  c.send('NICK');
  await c.next('431');
  c.send('NICK bad|nick');
  assert.equal((await c.next('432')).params[1], 'bad|nick');
  c.send('NICK guest-999999');
  assert.equal((await c.next('432')).params[1], 'guest-999999');
  c.send('NICK hOLDER');
  assert.equal((await c.next('433')).params[1], 'hOLDER');
  c.send('NICK newcomer');
  c.send('USER n 0 * :n');
  assert.equal((await c.next('001')).params[0], 'newcomer');
  c.send('NICK Newcomer2');
  const change = await c.next('NICK');
  assert.match(change.source!, /^newcomer!\d+@hubbub$/);
  assert.deepEqual(change.params, ['Newcomer2']);
  taken.close();
  c.close();
});

test('an IRC user, a WebSocket user and an nc text user talk in one room: #dev is room dev', async () => {
  const irc = await IrcClient.registered(ircPort, 'ircer');
  const ws = await WsClient.connect(server.httpPort);
  const text = await TcpClient.text(server.tcpPort);
  ws.send({ type: 'nick', nick: 'webber' });
  await ws.frames.next(isType('nick'));
  text.send('/nick texter');
  await text.lines.next((l) => l.includes('texter'));
  ws.send({ type: 'join', room: 'dev' });
  await ws.frames.next(isType('joined'));
  text.send('/join dev');
  await text.lines.next((l) => l.includes('joined #dev'));

  irc.send('JOIN #Dev');
  const joined = await irc.next('JOIN');
  assert.deepEqual(joined.params, ['#dev']);
  const names = await irc.next('353');
  assert.deepEqual(names.params.slice(1, 3), ['=', '#dev']);
  // webber made the room, so runs it: an operator (@).
  assert.deepEqual(new Set(names.params[3]!.split(' ')), new Set(['@webber', 'texter', 'ircer']));
  await irc.next('366');

  irc.send('PRIVMSG #dev :hello from irc');
  const atWs = await ws.frames.next((f) => f.type === 'message' && f.text === 'hello from irc');
  assert.equal(atWs.from, 'ircer');
  await text.lines.next((l) => l.includes('ircer') && l.includes('hello from irc'));

  ws.send({ type: 'say', room: 'dev', text: 'hello from the web' });
  const fromWs = await irc.next('PRIVMSG');
  assert.match(fromWs.source!, new RegExp(`^webber!${ws.welcome.id as number}@hubbub$`));
  assert.deepEqual(fromWs.params, ['#dev', 'hello from the web']);

  text.send('/me waves');
  const action = await irc.next('PRIVMSG');
  assert.deepEqual(action.params, ['#dev', '\u0001ACTION waves\u0001']);

  irc.send('PRIVMSG webber :psst');
  const whisper = await ws.frames.next(isType('whisper'));
  assert.equal(whisper.text, 'psst');
  ws.send({ type: 'whisper', to: 'ircer', text: 'back at you' });
  assert.deepEqual((await irc.next('PRIVMSG')).params, ['ircer', 'back at you']);

  irc.send('PRIVMSG #dev :\u0001ACTION dances\u0001');
  const me = await ws.frames.next((f) => f.type === 'message' && f.action === true);
  assert.equal(me.text, 'dances');

  ws.send({ type: 'part', room: 'dev' });
  const parted = await irc.next('PART');
  assert.match(parted.source!, /^webber!/);
  assert.deepEqual(irc.messages.items.filter((m) => m.command === 'PRIVMSG' && m.params[1] === 'hello from irc'), [], 'no echo without echo-message');
  irc.close();
  ws.close();
  text.close();
});

test('message errors carry the RFC numerics: 401, 403, 404, 411, 412, 442; NOTICE gets none', async () => {
  const c = await IrcClient.registered(ircPort, 'erring');
  const other = await IrcClient.registered(ircPort, 'owner');
  other.send('JOIN #private');
  await other.next('366');
  c.send('PRIVMSG nobody-here :hi');
  assert.deepEqual((await c.next('401')).params.slice(1), ['nobody-here', 'No such nick/channel']);
  c.send('PRIVMSG #nowhere :hi');
  assert.equal((await c.next('403')).params[1], '#nowhere');
  c.send('PRIVMSG #private :hi');
  assert.equal((await c.next('404')).params[1], '#private');
  c.send('PRIVMSG');
  await c.next('411');
  c.send('PRIVMSG #private');
  await c.next('412');
  c.send('PART #private');
  assert.equal((await c.next('442')).params[1], '#private');
  c.send('PART #nowhere');
  assert.equal((await c.next('403')).params[1], '#nowhere');
  c.send('NOTICE nobody-here :hi');
  c.send('NOTICE #nowhere :hi');
  c.send('PING :after-notices');
  const next = await c.next(() => true);
  assert.equal(next.command, 'PONG', 'nothing answered the notices');
  c.send('JOIN #bad.name');
  assert.equal((await c.next('479')).params[1], '#bad.name');
  c.close();
  other.close();
});

test('WHO, WHOIS, WHOWAS, USERHOST, ISON, AWAY and LIST', async () => {
  const a = await IrcClient.registered(ircPort, 'asker');
  const b = await IrcClient.registered(ircPort, 'answerer');
  const ws = await WsClient.connect(server.httpPort);
  ws.send({ type: 'join', room: 'qa' });
  await ws.frames.next(isType('joined'));
  for (const c of [a, b]) {
    c.send('JOIN #qa');
    await c.next('366');
  }
  b.send('AWAY :out to lunch');
  await b.next('306');
  a.send('WHO #qa');
  const who = [await a.next('352'), await a.next('352'), await a.next('352')];
  await a.next('315');
  const byNick = new Map(who.map((m) => [m.params[5], m]));
  assert.equal(byNick.get('answerer')!.params[6], 'G');
  assert.equal(byNick.get('asker')!.params[6], 'H');
  assert.match(byNick.get(ws.welcome.nick as string)!.params[7]!, /\(ws\)/);
  assert.equal(byNick.get(ws.welcome.nick as string)!.params[6], 'H@', 'the one who made the room operates it');

  a.send('WHOIS answerer');
  const whois = await a.next('311');
  assert.deepEqual([whois.params[1], whois.params[3]], ['answerer', 'hubbub']);
  assert.equal(whois.params[2], byNick.get('answerer')!.params[2], 'the user name is the connection id, as in WHO');
  assert.equal((await a.next('319')).params[2], '#qa');
  assert.equal((await a.next('301')).params[2], 'out to lunch');
  await a.next('318');
  a.send('PRIVMSG answerer :you there?');
  assert.equal((await a.next('301')).params[1], 'answerer');
  a.send('WHOIS ghost');
  await a.next('401');
  await a.next('318');
  a.send('WHOWAS ghost');
  await a.next('406');
  await a.next('369');
  a.send('USERHOST answerer asker');
  assert.match((await a.next('302')).params[1]!, /^answerer=-\d+@hubbub asker=\+\d+@hubbub$/);
  a.send('ISON answerer ghost asker');
  assert.equal((await a.next('303')).params[1], 'answerer asker');
  b.send('AWAY');
  await b.next('305');
  a.send('LIST');
  await a.next('321');
  const entry = await a.next((m) => m.command === '322' && m.params[1] === '#qa');
  assert.equal(entry.params[2], '3');
  await a.next('323');
  a.send('TOPIC #qa');
  assert.equal((await a.next('331')).params[1], '#qa');
  a.send('MODE #qa');
  assert.deepEqual((await a.next('324')).params.slice(1), ['#qa', '+nt']);
  a.send('MODE asker +iw');
  assert.deepEqual((await a.next('MODE')).params, ['asker', '+iw']);
  a.send('MODE asker');
  assert.equal((await a.next('221')).params[1], '+iw');
  for (const c of [a, b]) c.close();
  ws.close();
});

test('QUIT ends with ERROR and the others see the QUIT; a line over 512 bytes gets 417 and the connection stays', async () => {
  const stayer = await IrcClient.registered(ircPort, 'stayer');
  const leaver = await IrcClient.registered(ircPort, 'leaver');
  for (const c of [stayer, leaver]) {
    c.send('JOIN #exit');
    await c.next('366');
  }
  stayer.send(`PRIVMSG #exit :${'x'.repeat(600)}`);
  assert.equal((await stayer.next('417')).params[0], 'stayer');
  stayer.send('PING :still here');
  await stayer.next('PONG');
  leaver.send('QUIT :gone fishing');
  assert.match((await leaver.next('ERROR')).params[0]!, /gone fishing/);
  const quit = await stayer.next('QUIT');
  assert.match(quit.source!, /^leaver!/);
  stayer.close();
});

test('a long message from the web reaches IRC cut into lines of at most 512 bytes, nothing lost', async () => {
  const irc = await IrcClient.registered(ircPort, 'longreader');
  irc.send('JOIN #long');
  await irc.next('366');
  const ws = await WsClient.connect(server.httpPort);
  ws.send({ type: 'join', room: 'long' });
  await ws.frames.next(isType('joined'));
  const text = 'ä'.repeat(1000) + '\nsecond line';
  ws.send({ type: 'say', room: 'long', text });
  const got: string[] = [];
  while (!got.includes('second line')) got.push((await irc.next('PRIVMSG')).params[1]!);
  assert.equal(got.join(''), text.replace('\n', ''));
  const raw = irc.lines.items.filter((l) => l.includes('PRIVMSG #long'));
  for (const line of raw) assert.ok(Buffer.byteLength(line) + 2 <= 512, `${Buffer.byteLength(line)} bytes`);
  irc.close();
  ws.close();
});

test('history: a client with server-time and batch gets the room\'s recent messages on JOIN in a chathistory batch; one without gets none', async () => {
  const ws = await WsClient.connect(server.httpPort);
  ws.send({ type: 'join', room: 'past' });
  await ws.frames.next(isType('joined'));
  for (const text of ['first words', 'second words']) {
    ws.send({ type: 'say', room: 'past', text, ref: text });
    await ws.frames.next((f) => f.type === 'message' && f.ref === text);
  }
  const timed = await IrcClient.connect(ircPort);
  timed.send('CAP REQ :server-time batch');
  await timed.next('CAP');
  timed.send('CAP END');
  await timed.register('historian');
  timed.send('JOIN #past');
  await timed.next('366');
  const start = await timed.next('BATCH');
  assert.equal(start.params[1], 'chathistory');
  assert.equal(start.params[2], '#past');
  const id = start.params[0]!.slice(1);
  const replayed = [await timed.next('PRIVMSG'), await timed.next('PRIVMSG')];
  assert.deepEqual(replayed.map((m) => m.params[1]), ['first words', 'second words']);
  for (const m of replayed) {
    assert.equal(m.tags?.batch, id);
    assert.match(m.tags?.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  assert.deepEqual((await timed.next('BATCH')).params, [`-${id}`]);
  ws.send({ type: 'say', room: 'past', text: 'live now' });
  const live = await timed.next('PRIVMSG');
  assert.equal(live.params[1], 'live now');
  assert.equal(live.tags?.batch, undefined);
  assert.ok(live.tags?.time);

  const plain = await IrcClient.registered(ircPort, 'noreplay');
  plain.send('JOIN #past');
  await plain.next('366');
  plain.send('PING :after-join');
  assert.equal((await plain.next(() => true)).command, 'PONG', 'no history without server-time');
  for (const c of [timed, plain]) c.close();
  ws.close();
});

test('echo-message: the sender gets its own channel message and whisper back', async () => {
  const c = await IrcClient.connect(ircPort);
  c.send('CAP REQ echo-message');
  await c.next('CAP');
  c.send('CAP END');
  await c.register('echoer');
  c.send('JOIN #echo');
  await c.next('366');
  c.send('PRIVMSG #echo :hear myself');
  const echoed = await c.next('PRIVMSG');
  assert.match(echoed.source!, /^echoer!/);
  assert.deepEqual(echoed.params, ['#echo', 'hear myself']);
  c.send('PRIVMSG echoer :note to self');
  assert.deepEqual((await c.next('PRIVMSG')).params, ['echoer', 'note to self']);
  c.close();
});

test('message-tags gives room messages a msgid (<room>:<seq>); CHATHISTORY pages by it in chathistory batches', async () => {
  const ws = await WsClient.connect(server.httpPort);
  ws.send({ type: 'join', room: 'hist' });
  await ws.frames.next(isType('joined'));
  for (let i = 1; i <= 5; i++) {
    ws.send({ type: 'say', room: 'hist', text: `line ${i}`, ref: `r${i}` });
    await ws.frames.next((f) => f.ref === `r${i}`);
  }
  const c = await IrcClient.connect(ircPort);
  c.send('CAP REQ :message-tags batch draft/chathistory');
  assert.equal((await c.next('CAP')).params[1], 'ACK');
  c.send('CAP END');
  await c.register('pager');
  c.send('JOIN #hist');
  await c.next('366');

  /** One CHATHISTORY answer: the texts and msgids inside its batch. */
  async function page(query: string): Promise<{ texts: string[]; ids: string[] }> {
    c.send(`CHATHISTORY ${query}`);
    const start = await c.next('BATCH');
    assert.equal(start.params[1], 'chathistory');
    const texts: string[] = [];
    const ids: string[] = [];
    for (;;) {
      const m = await c.next(() => true);
      if (m.command === 'BATCH') {
        assert.equal(m.params[0], `-${start.params[0]!.slice(1)}`);
        return { texts, ids };
      }
      assert.equal(m.tags?.batch, start.params[0]!.slice(1));
      texts.push(m.params[1]!);
      ids.push(m.tags.msgid!);
    }
  }
  const latest = await page('LATEST #hist * 2');
  assert.deepEqual(latest.texts, ['line 4', 'line 5']);
  const [fourth] = latest.ids;
  assert.match(fourth!, /^hist:\d+$/);
  assert.deepEqual((await page(`BEFORE #hist msgid=${fourth} 2`)).texts, ['line 2', 'line 3']);
  assert.deepEqual((await page(`AFTER #hist msgid=${fourth} 10`)).texts, ['line 5']);
  assert.deepEqual((await page(`AFTER #hist msgid=${latest.ids[1]} 10`)).texts, [], 'an empty page is an empty batch');

  ws.send({ type: 'say', room: 'hist', text: 'live one' });
  const live = await c.next('PRIVMSG');
  assert.equal(live.tags?.msgid, `hist:${Number(latest.ids[1]!.split(':')[1]) + 1}`);

  c.send('CHATHISTORY AROUND #hist * 5');
  assert.deepEqual((await c.next('FAIL')).params.slice(0, 2), ['CHATHISTORY', 'INVALID_PARAMS']);
  c.send('CHATHISTORY BEFORE #hist timestamp=2026-01-01T00:00:00.000Z 5');
  await c.next('FAIL');
  c.send('CHATHISTORY LATEST #elsewhere * 5');
  assert.equal((await c.next('FAIL')).params[1], 'INVALID_TARGET');
  c.send('TAGMSG #hist');
  c.send('PING :after-tagmsg');
  assert.equal((await c.next(() => true)).command, 'PONG');
  c.close();
  ws.close();
});
