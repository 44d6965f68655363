/** @module The HTTP listener: /healthz, the WebSocket upgrade at /ws, and the web client for other GETs. */
import http from 'node:http';
import type { Hub } from '../../core/hub.js';
import { createStaticSite } from './static-files.js';
import { WS_PATH, createWsEndpoint, type WsEndpoint } from './ws-server.js';

export interface HttpListener {
  server: http.Server;
  ws: WsEndpoint;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(json);
}

export function createHttpServer(hub: Hub, startedAt: number): HttpListener {
  const ws = createWsEndpoint(hub);
  const site = createStaticSite();
  if (!site.available) hub.logger.warn({}, 'web client not built (no dist/web/index.html): GET / answers 503; run npm run build');
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/healthz' && readOnly) {
      const { connections, rooms } = hub.stats();
      sendJson(res, 200, { status: 'ok', connections, rooms, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
      return;
    }
    if (readOnly && path !== WS_PATH) {
      site.serve(req, res, path);
      return;
    }
    sendJson(res, 404, { error: 'not_found', message: `nothing at ${path}; WebSocket clients connect to /ws` });
  });
  server.on('upgrade', (req, socket, head) => {
    if (!ws.handleUpgrade(req, socket as import('node:net').Socket, head)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return { server, ws };
}
