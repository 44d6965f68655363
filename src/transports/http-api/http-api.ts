/**
 * @module The HTTP API under /api (docs/api.md): routes by find-my-way, requests checked against
 * the wire's schemas with TypeBox, and each request carried out as the frame it stands for, sent
 * by the API key's bot session (api-client.ts). Every refusal is a coded JSON error with its status.
 */
import type http from 'node:http';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import Router from 'find-my-way';
import { sameSecret } from '../../auth/same-secret.js';
import { splitKeyPair } from '../../config/options.js';
import { HubError, type ErrorCode } from '../../core/errors.js';
import type { Hub } from '../../core/hub.js';
import { checkRoom } from '../../core/names.js';
import type { ServerFrame } from '../../protocol/schema/server-frames.js';
import { ApiClient } from './api-client.js';
import { HistoryQuery, PostMessageBody } from './api-schemas.js';
import { openApiDocument } from './openapi.js';

export const API_PREFIX = '/api/';

/** The HTTP status of each code an API answer can carry; any other refusal is a 400. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  unauthorized: 401,
  room_forbidden: 403,
  nick_reserved: 403,
  not_found: 404,
  not_in_room: 404,
  method_not_allowed: 405,
  nick_taken: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  excess_flood: 429,
  internal_error: 500,
  server_error: 500,
  store_failed: 503,
  shutting_down: 503,
  server_full: 503,
  too_many_from_ip: 503,
};

const BODY_CHECK = TypeCompiler.Compile(PostMessageBody);
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const QUERY_CHECK = TypeCompiler.Compile(HistoryQuery);

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendError(res: http.ServerResponse, error: HubError): void {
  if (error.code === 'unauthorized') res.setHeader('www-authenticate', 'Bearer realm="hubbub api"');
  // The rest of an oversized body is not read: the connection cannot carry another request.
  if (error.code === 'body_too_large') res.setHeader('connection', 'close');
  send(res, STATUS[error.code] ?? 400, { type: 'error', code: error.code, message: error.message });
}

/** An answer frame as the API returns it: the frame itself, without the ref that matched it. */
function answer(res: http.ServerResponse, frame: ServerFrame, okStatus = 200): void {
  if (frame.type === 'error') {
    sendError(res, new HubError(frame.code, frame.message));
    return;
  }
  const body: Record<string, unknown> = { ...frame };
  delete body.ref;
  send(res, okStatus, body);
}

export interface HttpApiOptions {
  /** `key=nick` pairs (--api-keys), read at each request so a reload applies. */
  readonly apiKeys: () => readonly string[];
}

export interface HttpApi {
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
}

export function createHttpApi(hub: Hub, options: HttpApiOptions): HttpApi {
  const clients = new Map<string, ApiClient>();
  const document = JSON.stringify(openApiDocument());

  /** The bot of the request's bearer key; every key is compared, in constant time. */
  function clientOf(req: http.IncomingMessage): ApiClient {
    const authorization = req.headers.authorization;
    const given = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
    let nick: string | undefined;
    for (const { key, nick: bot } of options.apiKeys().map(splitKeyPair)) {
      if (given !== undefined && sameSecret(given, key)) nick = bot;
    }
    if (nick === undefined) throw new HubError('unauthorized', 'send an API key: Authorization: Bearer <key> (--api-keys)');
    let client = clients.get(nick);
    if (client === undefined) clients.set(nick, (client = new ApiClient(hub, nick)));
    return client;
  }

  /** Runs a request's work, answering a thrown or rejected HubError with its status. */
  function carryOut(res: http.ServerResponse, work: () => Promise<void> | void): void {
    const failed = (err: unknown): void => {
      if (err instanceof HubError) sendError(res, err);
      else {
        hub.logger.error({ err }, 'HTTP API request failed');
        sendError(res, new HubError('internal_error'));
      }
    };
    try {
      const pending = work();
      if (pending) pending.catch(failed);
    } catch (err) {
      failed(err);
    }
  }

  /** The JSON body, at most --max-line-bytes; a bigger one is refused and its socket closed. */
  function readBody(req: http.IncomingMessage): Promise<unknown> {
    const max = hub.limits.maxLineBytes;
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return Promise.reject(new HubError('unsupported_media_type'));
    if (Number(req.headers['content-length'] ?? 0) > max) return Promise.reject(new HubError('body_too_large', `the body may be at most ${max} bytes`));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > max) {
          req.removeAllListeners('data');
          req.pause();
          reject(new HubError('body_too_large', `the body may be at most ${max} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        let text: string;
        try {
          text = STRICT_UTF8.decode(Buffer.concat(chunks));
        } catch {
          // As on the other doors: never relayed with replacement characters in it.
          reject(new HubError('invalid_utf8', 'the body is not valid UTF-8'));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new HubError('bad_json', 'the body is not valid JSON'));
        }
      });
      req.on('error', reject);
    });
  }

  function firstProblem(errors: Iterable<{ path: string; message: string }>): HubError {
    for (const error of errors) return new HubError('bad_field', `${error.path || 'the body'}: ${error.message}`);
    return new HubError('bad_field');
  }

  const router = Router({
    ignoreTrailingSlash: true,
    maxParamLength: 256,
    defaultRoute(req, res) {
      const path = (req.url ?? '/').split('?')[0]!;
      const other = (['GET', 'POST'] as const).some((method) => method !== req.method && router.find(method, path) !== null);
      sendError(res, other ? new HubError('method_not_allowed', `${path} does not take ${req.method ?? 'that method'}`) : new HubError('not_found', `nothing at ${path}; see /api/openapi.json`));
    },
  });

  router.on('GET', '/api/openapi.json', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' });
    res.end(document);
  });

  router.on('GET', '/api/rooms', (req, res) => {
    carryOut(res, () => clientOf(req).request({ type: 'rooms' }).then((frame) => answer(res, frame)));
  });

  router.on('GET', '/api/rooms/:room/members', (req, res, params) => {
    carryOut(res, () => clientOf(req).request({ type: 'who', room: params.room }).then((frame) => answer(res, frame)));
  });

  router.on('GET', '/api/rooms/:room/history', (req, res, params, _store, query) => {
    carryOut(res, () => {
      const client = clientOf(req);
      const paging = Value.Convert(HistoryQuery, { ...query });
      if (!QUERY_CHECK.Check(paging)) throw firstProblem(QUERY_CHECK.Errors(paging));
      return client.request({ ...paging, type: 'history', room: params.room }).then((frame) => answer(res, frame));
    });
  });

  router.on('POST', '/api/rooms/:room/messages', (req, res, params) => {
    carryOut(res, () => {
      const client = clientOf(req);
      const room = checkRoom(params.room ?? '');
      return readBody(req).then((body) => {
        if (!BODY_CHECK.Check(body)) throw firstProblem(BODY_CHECK.Errors(body));
        const say = { type: 'say', room, text: body.text, ...(body.action === true && { action: true }) };
        // Like a client, the bot joins first; a refused join is the answer.
        return client.enter(room).then((refused) => (refused ? answer(res, refused) : client.request(say).then((frame) => answer(res, frame, 201))));
      });
    });
  });

  return {
    handle(req, res) {
      router.lookup(req, res);
    },
  };
}

