/** @module The plain TCP listener: text mode by default, NDJSON after `/json`. */
import net from 'node:net';
import type { Door } from '../../core/conn.js';
import type { Hub } from '../../core/hub.js';
import { jsonCodec } from '../../protocol/json/json-codec.js';
import { textCodec } from '../../protocol/text/text-codec.js';
import type { SocketGate } from '../socket-gate.js';
import { TcpConn } from './tcp-conn.js';

/** Plain TCP: people in text mode (who get lobby's recent history), and programs after `/json`. */
export const TCP_DOOR: Door = {
  name: 'tcp',
  codec: textCodec,
  historyOnConnect: true,
  machine: { name: 'tcp-json', codec: jsonCodec, historyOnConnect: false },
};

export function createTcpServer(hub: Hub, gate: SocketGate): net.Server {
  // allowHalfOpen: a script that sends its lines and shuts down its side still reads the replies.
  const server = net.createServer({ allowHalfOpen: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: hub.limits.tcpKeepAliveMs }, (socket) => {
    if (!gate.admit(socket)) return;
    try {
      new TcpConn(socket, hub, TCP_DOOR).start();
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
