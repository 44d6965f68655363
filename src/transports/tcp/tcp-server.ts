/**
 * @module A TCP listener for a line protocol: hubbub's text mode by default (NDJSON after `/json`),
 * or another door's lines (IRC); TLS when credentials are given. A peer in `--trust-proxy` must open with a PROXY protocol header naming its client, which
 * is read from the raw socket before any TLS handshake, as a proxy sends it.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Door } from '../../core/conn.js';
import type { Hub } from '../../core/hub.js';
import { jsonCodec } from '../../protocol/json/json-codec.js';
import { textCodec } from '../../protocol/text/text-codec.js';
import { parseProxyHeader } from '../proxy/proxy-header.js';
import type { TrustedProxies } from '../proxy/trusted-proxies.js';
import type { SocketGate } from '../socket-gate.js';
import type { TlsCredentials } from '../tls-credentials.js';
import { LINE_FRAMING, TcpConn, type LineProtocol } from './tcp-conn.js';

/** Plain TCP: people in text mode (who get lobby's recent history), and programs after `/json`. */
export const TCP_DOOR: Door = {
  name: 'tcp',
  codec: textCodec,
  historyOnConnect: true,
  machine: { name: 'tcp-json', codec: jsonCodec, historyOnConnect: false },
};

/** What the TCP port speaks: text lines, each ending in a newline. */
export const TEXT_LINES: LineProtocol = { door: TCP_DOOR, framing: LINE_FRAMING };

export interface TcpListenerOptions {
  readonly gate: SocketGate;
  readonly proxies: TrustedProxies;
  /** TLS on this port; absent: plain TCP. */
  readonly tls?: TlsCredentials;
  /** What its connections speak; absent: hubbub's text lines (TEXT_LINES). */
  readonly protocol?: LineProtocol;
}

export function createTcpServer(hub: Hub, options: TcpListenerOptions): net.Server {
  const { gate, proxies, tls: credentials, protocol = TEXT_LINES } = options;
  const { logger, limits } = hub;
  const pinged = new Set<TcpConn>();

  /** Starts a connection's session, keeping it among the pinged ones while it lasts if the protocol pings. */
  function startConn(socket: net.Socket, address: string): void {
    const conn = new TcpConn(socket, hub, protocol, address);
    if (!conn.start() || !protocol.ping) return;
    pinged.add(conn);
    socket.once('close', () => pinged.delete(conn));
  }

  /**
   * A peer gets this long for each step before its session (its PROXY header, its TLS
   * handshake): a socket that stalls there would otherwise hold a descriptor for good.
   */
  function handshakeDeadline(socket: net.Socket, remote: string | undefined): NodeJS.Timeout {
    const deadline = setTimeout(() => {
      logger.debug({ remote }, 'handshake timed out');
      socket.destroy();
    }, limits.handshakeTimeoutMs);
    return deadline.unref();
  }

  /** The client is known: start its session (after the TLS handshake, if any). */
  function open(socket: net.Socket, address: string, deadline: NodeJS.Timeout | undefined): void {
    if (!credentials) {
      clearTimeout(deadline);
      startConn(socket, address);
      // A socket paused to read a PROXY header: what followed it (unshifted) flows now.
      socket.resume();
      return;
    }
    clearTimeout(deadline);
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: credentials.context });
    // As the plain listener: a client that shuts down its sending side still reads the replies.
    secure.allowHalfOpen = true;
    const handshake = handshakeDeadline(secure, address);
    const failed = (err: Error & { code?: string }): void => {
      clearTimeout(handshake);
      logger.debug({ remote: address, code: err.code, err: err.message }, 'TLS handshake failed');
      secure.destroy();
    };
    // Half-open is for sessions: a peer that hangs up mid-handshake is gone.
    const hungUp = (): void => {
      clearTimeout(handshake);
      secure.destroy();
    };
    secure.on('error', failed);
    secure.once('end', hungUp);
    secure.once('secure', () => {
      clearTimeout(handshake);
      secure.off('error', failed);
      secure.off('end', hungUp);
      try {
        startConn(secure, address);
      } catch (err) {
        logger.error({ err, remote: address }, 'could not start a TLS connection');
        secure.destroy();
      }
    });
  }

  /** A trusted proxy broke the PROXY protocol: say so (in text, unless TLS was to follow) and close. */
  function refuse(socket: net.Socket, reason: string): void {
    logger.warn({ remote: socket.remoteAddress, reason }, 'PROXY header refused');
    if (credentials || !socket.writable) {
      socket.destroy();
      return;
    }
    const bye = protocol.door.codec.encode({ type: 'bye', code: 'bad_proxy_header', message: reason });
    socket.end(protocol.framing.frame(bye));
    setTimeout(() => socket.destroy(), limits.shutdownGraceMs).unref();
  }

  /** Reads a trusted proxy's PROXY header, then opens the connection for the client it names. */
  function readProxyHeader(socket: net.Socket, deadline: NodeJS.Timeout): void {
    let received: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      try {
        received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
        const header = parseProxyHeader(received);
        if (header.kind === 'incomplete') return;
        socket.off('data', onData);
        socket.off('end', hungUp);
        socket.pause();
        if (header.kind === 'refused') {
          clearTimeout(deadline);
          refuse(socket, header.reason);
          return;
        }
        if (received.length > header.length) socket.unshift(received.subarray(header.length));
        open(socket, header.address ?? socket.remoteAddress ?? 'unknown', deadline);
      } catch (err) {
        // A socket event: nothing may reach the process.
        clearTimeout(deadline);
        logger.error({ err, remote: socket.remoteAddress }, 'could not start a proxied TCP connection');
        socket.destroy();
      }
    };
    // Half-open is for sessions: a peer that hangs up before its header is complete is gone.
    const hungUp = (): void => {
      clearTimeout(deadline);
      socket.destroy();
    };
    socket.on('data', onData);
    socket.once('end', hungUp);
  }

  // allowHalfOpen: a script that sends its lines and shuts down its side still reads the replies.
  const server = net.createServer({ allowHalfOpen: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: limits.tcpKeepAliveMs }, (socket) => {
    if (!gate.admit(socket)) return;
    try {
      socket.on('error', ignoreError);
      if (proxies.trusts(socket.remoteAddress)) readProxyHeader(socket, handshakeDeadline(socket, socket.remoteAddress));
      else open(socket, socket.remoteAddress ?? 'unknown', undefined);
    } catch (err) {
      logger.error({ err, remote: socket.remoteAddress }, 'could not start a TCP connection');
      socket.destroy();
    }
  });
  // After listening, 'error' reports failed accepts (EMFILE when out of descriptors): the listener
  // goes on, and without a listener the event would end the process.
  server.on('error', (err) => logger.error({ err }, 'TCP listener error'));
  if (protocol.ping) {
    const { payload, everyMs } = protocol.ping;
    const pinger = setInterval(() => {
      for (const conn of pinged) {
        try {
          conn.keepAlive(payload);
        } catch (err) {
          // A timer callback: one connection's failure must not reach the process or spare the others.
          logger.warn({ err, remote: conn.remoteAddress }, 'keep-alive ping failed');
        }
      }
    }, everyMs);
    pinger.unref();
    server.once('close', () => clearInterval(pinger));
  }
  return server;
}

// Errors (ECONNRESET, EPIPE) are followed by 'close', which cleans up; there is nothing else to do.
function ignoreError(): void {}
