/**
 * @module The HTTP listener (HTTPS with TLS credentials): /healthz, the WebSocket upgrade at /ws,
 * and the web client for other GETs. Behind a trusted proxy, a request's client is the one its
 * X-Forwarded-For names.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { sameSecret } from '../../auth/same-secret.js';
import type { Hub } from '../../core/hub.js';
import type { Metrics } from '../../metrics/metrics.js';
import { VERSION } from '../../version.js';
import { forwardedClient } from '../proxy/forwarded-for.js';
import type { TrustedProxies } from '../proxy/trusted-proxies.js';
import type { SocketGate } from '../socket-gate.js';
import type { TlsCredentials } from '../tls-credentials.js';
import { API_PREFIX, createHttpApi } from '../http-api/http-api.js';
import { originAllowed } from './origin-check.js';
import { createStaticSite } from './static-files.js';
import { WS_PATH, createWsEndpoint, type WsEndpoint } from './ws-server.js';

/** A client gets this long to send its request headers, and this long for the whole request. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpListener {
  server: http.Server | https.Server;
  ws: WsEndpoint;
}

export interface HttpListenerOptions {
  readonly gate: SocketGate;
  readonly proxies: TrustedProxies;
  /** HTTPS (and WSS) on this port; absent: plain HTTP. */
  readonly tls?: TlsCredentials;
  readonly metrics: Metrics;
  /** The bearer token /metrics asks for ('' for none); read at each request, so a reload applies. */
  readonly metricsToken: () => string;
  /** Origins whose pages may open /ws besides the page's own (none: any); read at each upgrade. */
  readonly allowedOrigins: () => readonly string[];
  /** HTTP API keys, `key=nick` (--api-keys); read at each request. */
  readonly apiKeys: () => readonly string[];
}

/** Answers an upgrade request with a status and a JSON error, and closes: there is no HTTP response object. */
function refuseUpgrade(socket: Socket, status: string, code: string, message: string): void {
  const body = JSON.stringify({ error: code, message });
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function bearerMatches(authorization: string | undefined, token: string): boolean {
  return authorization !== undefined && authorization.startsWith('Bearer ') && sameSecret(authorization.slice('Bearer '.length), token);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(json);
}

function ignoreError(): void {}

/** The request's path, for logs: never its query string, which may hold a token (/ws?token=). */
function pathOf(req: http.IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]!.slice(0, 200);
}

/** The request's client address, or the reason a trusted proxy's X-Forwarded-For is refused. */
function requestClient(req: http.IncomingMessage, proxies: TrustedProxies) {
  const peer = req.socket.remoteAddress ?? 'unknown';
  // Node joins repeated X-Forwarded-For lines with commas already; an array is joined the same way.
  const header = req.headers['x-forwarded-for'];
  return forwardedClient(peer, Array.isArray(header) ? header.join(',') : header, (address) => proxies.trusts(address));
}

export function createHttpServer(hub: Hub, startedAt: number, options: HttpListenerOptions): HttpListener {
  const { gate, proxies, tls: credentials, metrics, metricsToken, allowedOrigins, apiKeys } = options;
  const ws = createWsEndpoint(hub);
  const api = createHttpApi(hub, { apiKeys });
  const site = createStaticSite();
  if (!site.available) hub.logger.warn({}, 'web client not built (no dist/web/index.html): GET / answers 503; run npm run build');

  function route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const client = requestClient(req, proxies);
    if (!client.ok) {
      hub.logger.warn({ remote: req.socket.remoteAddress, reason: client.reason }, 'X-Forwarded-For refused');
      sendJson(res, 400, { error: 'bad_proxy_header', message: client.reason });
      return;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/healthz' && readOnly) {
      const { connections, rooms, doors } = hub.stats();
      const store = hub.storeHealth;
      const uptimeSeconds = Math.round((Date.now() - startedAt) / 1000);
      const counts = { version: VERSION, connections, doors, rooms, uptimeSeconds };
      if (store.ok) sendJson(res, 200, { status: 'ok', ...counts });
      else sendJson(res, 503, { status: 'failing', reason: store.reason, failingSinceMs: store.since, ...counts });
      return;
    }
    if (path === '/metrics' && readOnly) {
      serveMetrics(req, res);
      return;
    }
    if (path.startsWith(API_PREFIX)) {
      api.handle(req, res);
      return;
    }
    if (readOnly && path !== WS_PATH) {
      site.serve(req, res, path);
      return;
    }
    sendJson(res, 404, { error: 'not_found', message: `nothing at ${path}; WebSocket clients connect to /ws` });
  }

  function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse): void {
    const token = metricsToken();
    if (token !== '' && !bearerMatches(req.headers.authorization, token)) {
      res.setHeader('www-authenticate', 'Bearer realm="hubbub metrics"');
      sendJson(res, 401, { error: 'unauthorized', message: '/metrics needs the bearer token set by --metrics-token' });
      return;
    }
    metrics.render().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(text);
      },
      (err: unknown) => {
        hub.logger.error({ err }, 'collecting metrics failed');
        if (res.headersSent) res.destroy();
        else sendJson(res, 500, { error: 'internal_error', message: 'the server failed to collect its metrics' });
      },
    );
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    try {
      route(req, res);
    } catch (err) {
      hub.logger.error({ err, remote: req.socket.remoteAddress, method: req.method, path: pathOf(req) }, 'HTTP request failed');
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: 'internal_error', message: 'the server failed to answer this request' });
    }
  };
  const server = credentials ? https.createServer({ ...credentials.pem, handshakeTimeout: hub.limits.handshakeTimeoutMs }, handle) : http.createServer(handle);
  if (credentials) {
    credentials.attach(server as https.Server);
    // Before the handshake completes (a plain-HTTP client, a bad hello, a timeout): that one socket goes.
    server.on('tlsClientError', (err: Error & { code?: string }, socket: Socket) => {
      hub.logger.debug({ remote: socket.remoteAddress, code: err.code, err: err.message }, 'TLS handshake failed');
      socket.destroy();
    });
  }
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.on('connection', (socket: Socket) => gate.admit(socket));
  server.on('upgrade', (req, socket: Socket, head) => {
    // From here the socket is ours, with no 'error' listener of node's: a reset while we write to
    // it would otherwise end the process.
    socket.on('error', ignoreError);
    try {
      const client = requestClient(req, proxies);
      if (!client.ok) {
        hub.logger.warn({ remote: req.socket.remoteAddress, reason: client.reason }, 'X-Forwarded-For refused');
        refuseUpgrade(socket, '400 Bad Request', 'bad_proxy_header', client.reason);
        return;
      }
      if (!originAllowed(req.headers.origin, req.headers.host, allowedOrigins())) {
        hub.logger.info({ remote: client.address, origin: req.headers.origin?.slice(0, 200) }, 'WebSocket from a page of another origin refused');
        refuseUpgrade(socket, '403 Forbidden', 'origin_forbidden', 'pages of this origin may not open a WebSocket here (--allowed-origins)');
        return;
      }
      if (!ws.handleUpgrade(req, socket, head, client.address)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } catch (err) {
      hub.logger.error({ err, path: pathOf(req) }, 'HTTP upgrade failed');
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
