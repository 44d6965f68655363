/**
 * @module Baseline: the naive `ws` broadcast server: one set of clients (there are no rooms, a
 * join is only acknowledged) and, per message, a loop over every client that builds the JSON
 * anew for each one.
 */
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { announceListening, RoomSeqs, type InboundFrame, type MessageFrame } from './baseline-frames.js';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws', perMessageDeflate: false });
const seqs = new RoomSeqs();
let serial = 0;

wss.on('connection', (ws) => {
  const id = ++serial;
  const nick = `guest-${id}`;
  ws.send(JSON.stringify({ type: 'welcome', id, nick }));
  ws.on('message', (data: RawData) => {
    const frame = JSON.parse((data as Buffer).toString()) as InboundFrame;
    if (frame.type === 'join') {
      ws.send(JSON.stringify({ type: 'joined', room: frame.room, nick, id, ref: frame.ref }));
      return;
    }
    const message: MessageFrame = { type: 'message', room: frame.room, seq: seqs.next(frame.room), from: nick, fromId: id, text: frame.text, ts: Date.now() };
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(JSON.stringify(message));
    }
  });
  ws.on('error', () => {});
});
wss.on('listening', () => announceListening((wss.address() as { port: number }).port));
