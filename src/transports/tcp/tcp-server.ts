/** @module The plain TCP listener: text mode by default, NDJSON after `/json`. */
import net from 'node:net';
import type { Hub } from '../../core/hub.js';
import { LineSplitter } from './line-splitter.js';
import { TcpConn } from './tcp-conn.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function createTcpServer(hub: Hub): net.Server {
  const { limits } = hub;
  // allowHalfOpen: a script that sends its lines and shuts down its side still reads the replies.
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, limits.tcpKeepAliveMs);
    socket.on('error', (err) => hub.logger.debug({ err: err.message, remote: socket.remoteAddress }, 'tcp socket error'));
    const session = hub.accept(new TcpConn(socket, limits.shutdownGraceMs), hub.codecs.text);
    if (!session) return;

    const splitter = new LineSplitter(limits.maxLineBytes, {
      line(bytes) {
        let text: string;
        try {
          text = utf8.decode(bytes);
        } catch {
          hub.inputError(session, 'invalid_utf8');
          return;
        }
        hub.receive(session, text);
      },
      overflow: () => hub.inputError(session, 'line_too_long'),
    });
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('end', () => {
      splitter.end();
      hub.quit(session);
    });
    socket.on('close', () => hub.connectionLost(session));
  });
  return server;
}
