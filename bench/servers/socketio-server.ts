/**
 * @module Baseline: a Socket.IO 4.8 chat server. Every socket joins "lobby" on connection; a say
 * is numbered and sent to its room with `io.to(room).emit`, which encodes the packet once.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { announceListening, RoomSeqs, type MessageFrame, type SayFrame } from './baseline-frames.js';

const http: HttpServer = createServer();
const io = new Server(http, { serveClient: false, transports: ['websocket'] });
const seqs = new RoomSeqs();
let serial = 0;

io.on('connection', (socket) => {
  const id = ++serial;
  const nick = `guest-${id}`;
  void socket.join('lobby');
  socket.emit('welcome', { id, nick });
  socket.on('join', (room: string, ack?: () => void) => {
    void socket.join(room);
    ack?.();
  });
  socket.on('say', (frame: SayFrame) => {
    const message: MessageFrame = { type: 'message', room: frame.room, seq: seqs.next(frame.room), from: nick, fromId: id, text: frame.text, ts: Date.now() };
    io.to(frame.room).emit('message', message);
  });
});
http.listen(0, '127.0.0.1', () => announceListening((http.address() as AddressInfo).port));
