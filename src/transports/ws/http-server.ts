/** @module The HTTP listener: /healthz, the WebSocket upgrade at /ws, and the web client for other GETs. */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Hub } from '../../core/hub.js';
import type { SocketGate } from '../socket-gate.js';
import { createStaticSite } from './static-files.js';
import { WS_PATH, createWsEndpoint, type WsEndpoint } from './ws-server.js';

/** A client gets this long to send its request headers, and this long for the whole request. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpListener {
  server: http.Server;
  ws: WsEndpoint;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(json);
}

function ignoreError(): void {}

export function createHttpServer(hub: Hub, startedAt: number, gate: SocketGate): HttpListener {
  const ws = createWsEndpoint(hub);
  const site = createStaticSite();
  if (!site.available) hub.logger.warn({}, 'web client not built (no dist/web/index.html): GET / answers 503; run npm run build');

  function route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/healthz' && readOnly) {
      const { connections, rooms, doors } = hub.stats();
      const store = hub.storeHealth;
      const uptimeSeconds = Math.round((Date.now() - startedAt) / 1000);
      const counts = { connections, doors, rooms, uptimeSeconds };
      if (store.ok) sendJson(res, 200, { status: 'ok', ...counts });
      else sendJson(res, 503, { status: 'failing', reason: store.reason, failingSinceMs: store.since, ...counts });
      return;
    }
    if (readOnly && path !== WS_PATH) {
      site.serve(req, res, path);
      return;
    }
    sendJson(res, 404, { error: 'not_found', message: `nothing at ${path}; WebSocket clients connect to /ws` });
  }

  const server = http.createServer((req, res) => {
    try {
      route(req, res);
    } catch (err) {
      hub.logger.error({ err, method: req.method, url: req.url?.slice(0, 200) }, 'HTTP request failed');
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: 'internal_error', message: 'the server failed to answer this request' });
    }
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.on('connection', (socket: Socket) => gate.admit(socket));
  server.on('upgrade', (req, socket: Socket, head) => {
    // From here the socket is ours, with no 'error' listener of node's: a reset while we write to
    // it would otherwise end the process.
    socket.on('error', ignoreError);
    try {
      if (!ws.handleUpgrade(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } catch (err) {
      hub.logger.error({ err, url: req.url?.slice(0, 200) }, 'HTTP upgrade failed');
      socket.destroy();
    }
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.on('error', (err) => hub.logger.error({ err }, 'HTTP listener error'));
  return { server, ws };
}
