/** @module The plain TCP listener: text mode by default, NDJSON after `/json`. */
import net from 'node:net';
import type { Hub } from '../../core/hub.js';
import { TcpConn } from './tcp-conn.js';

export function createTcpServer(hub: Hub): net.Server {
  // allowHalfOpen: a script that sends its lines and shuts down its side still reads the replies.
  return net.createServer({ allowHalfOpen: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: hub.limits.tcpKeepAliveMs }, (socket) => {
    new TcpConn(socket, hub).start();
  });
}
