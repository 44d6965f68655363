/** @module The plain TCP listener: text mode by default, NDJSON after `/json`. */
import net from 'node:net';
import type { Hub } from '../../core/hub.js';
import type { SocketGate } from '../socket-gate.js';
import { TcpConn } from './tcp-conn.js';

export function createTcpServer(hub: Hub, gate: SocketGate): net.Server {
  // allowHalfOpen: a script that sends its lines and shuts down its side still reads the replies.
  const server = net.createServer({ allowHalfOpen: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: hub.limits.tcpKeepAliveMs }, (socket) => {
    if (!gate.admit(socket)) return;
    try {
      new TcpConn(socket, hub).start();
    } catch (err) {
      hub.logger.error({ err, remote: socket.remoteAddress }, 'could not start a TCP connection');
      socket.destroy();
    }
  });
  // After listening, 'error' reports failed accepts (EMFILE when out of descriptors): the listener
  // goes on, and without a listener the event would end the process.
  server.on('error', (err) => hub.logger.error({ err }, 'TCP listener error'));
  return server;
}
