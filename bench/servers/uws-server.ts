/**
 * @module Baseline: a uWebSockets.js chat server (npm package `uwebsockets`). Rooms are uWS
 * topics: a client subscribes to "lobby" when it opens, a say is numbered, serialised once and
 * handed to `app.publish`, which fans it out in C++. Publishes are made from a setImmediate after
 * the message handlers of the turn, not inside them: uWS then sends each subscriber everything
 * published during the loop iteration in one write, where a publish inside a handler, with other
 * sockets' data arriving in the same iteration, costs one write per message per subscriber
 * (strace; 3-5x slower in this benchmark). The backpressure cap matches hubbub's 1 MiB outbox;
 * past it uWS skips (drops) messages for that client, which the benchmark counts.
 */
import uWS from 'uwebsockets';
import { announceListening, RoomSeqs, type InboundFrame, type MessageFrame } from './baseline-frames.js';

interface Client {
  id: number;
  nick: string;
}

const app = uWS.App();
const seqs = new RoomSeqs();
let serial = 0;
let unpublished: { room: string; encoded: string }[] = [];

function publishAll(): void {
  const batch = unpublished;
  unpublished = [];
  for (const { room, encoded } of batch) app.publish(room, encoded);
}

app.ws<Client>('/ws', {
  compression: uWS.DISABLED,
  maxPayloadLength: 16 * 1024,
  maxBackpressure: 1024 * 1024,
  idleTimeout: 120,
  open(ws) {
    const client = ws.getUserData();
    client.id = ++serial;
    client.nick = `guest-${client.id}`;
    ws.subscribe('lobby');
    ws.send(JSON.stringify({ type: 'welcome', id: client.id, nick: client.nick }));
  },
  message(ws, data) {
    const client = ws.getUserData();
    const frame = JSON.parse(Buffer.from(data).toString()) as InboundFrame;
    if (frame.type === 'join') {
      ws.subscribe(frame.room);
      ws.send(JSON.stringify({ type: 'joined', room: frame.room, nick: client.nick, id: client.id, ref: frame.ref }));
      return;
    }
    const message: MessageFrame = { type: 'message', room: frame.room, seq: seqs.next(frame.room), from: client.nick, fromId: client.id, text: frame.text, ts: Date.now() };
    if (unpublished.length === 0) setImmediate(publishAll);
    unpublished.push({ room: frame.room, encoded: JSON.stringify(message) });
  },
});
app.listen('127.0.0.1', 0, (listenSocket) => {
  if (!listenSocket) {
    process.stderr.write('uWS: listen failed\n');
    process.exit(1);
  }
  announceListening(uWS.us_socket_local_port(listenSocket));
});
