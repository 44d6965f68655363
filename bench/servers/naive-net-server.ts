/**
 * @module Baseline: the classic blog-post chat server on plain TCP. Every client gets a serial
 * number and a welcome; every data chunk is written, prefixed with the sender's name, to every
 * client. It cannot frame lines, so chunks from two senders may interleave mid-line, and it
 * encodes the string once per recipient. Two departures from the blog post: the sender gets its
 * own chunk back (the benchmark's senders wait for their echo), and socket errors are caught (a
 * client resetting its connection would otherwise crash the server).
 */
import net from 'node:net';
import { announceListening } from './baseline-frames.js';

const clients: net.Socket[] = [];
let serial = 0;

const server = net.createServer((socket) => {
  const name = `client${++serial}`;
  clients.push(socket);
  socket.write(`Welcome ${name}\n`);
  socket.on('data', (data) => {
    for (const client of clients) client.write(`${name}> ${data.toString()}`);
  });
  socket.on('close', () => clients.splice(clients.indexOf(socket), 1));
  socket.on('error', () => {});
});
server.maxConnections = 100_000;
server.listen(0, '127.0.0.1', () => announceListening((server.address() as net.AddressInfo).port));
