/**
 * @module The OpenAPI 3.1 document served at /api/openapi.json. Its schemas are the wire's own
 * TypeBox schemas (see api-schemas.ts), not copies, so the API and the WebSocket protocol cannot
 * drift apart.
 */
import { VERSION } from '../../version.js';
import { API_SCHEMAS, HistoryQuery } from './api-schemas.js';

const ref = (name: keyof typeof API_SCHEMAS) => ({ $ref: `#/components/schemas/${name}` });

function json(description: string, schema: object) {
  return { description, content: { 'application/json': { schema } } };
}

function errors(...statuses: number[]) {
  const text: Record<number, string> = {
    400: 'The request is malformed (`bad_field`, `room_invalid`, `text_too_long`, `empty_text`, `bad_json`).',
    401: 'No valid API key (`unauthorized`).',
    403: 'The bot may not do that (`room_forbidden`).',
    404: 'No such route (`not_found`), or the bot is not in the room (`not_in_room`).',
    409: 'The key\'s bot nick is held by a signed-in user (`nick_taken`).',
    413: 'The body is over the size cap (`body_too_large`).',
    415: 'The body is not JSON (`unsupported_media_type`).',
    429: 'The key\'s flood-control bucket is empty (`rate_limited`): slow down.',
    503: 'The history store or the server cannot take it now (`store_failed`, `shutting_down`, `server_full`).',
  };
  return Object.fromEntries(statuses.map((status) => [String(status), json(text[status]!, ref('Error'))]));
}

const roomParameter = { name: 'room', in: 'path', required: true, description: 'The room (a leading # may be sent as %23; names are case-folded).', schema: { type: 'string' } };

const historyParameters = Object.entries(HistoryQuery.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));

/** The document, as plain JSON (TypeBox's own markers are symbols, which JSON leaves out). */
export function openApiDocument(): unknown {
  return JSON.parse(
    JSON.stringify({
      openapi: '3.1.0',
      info: {
        title: 'hubbub HTTP API',
        version: VERSION,
        description:
          'For programs that do not keep a connection: post to a room and read rooms, history and members. Every answer is the frame a WebSocket client gets for the same request (docs/protocol.md), without its ref. See docs/api.md.',
      },
      security: [{ apiKey: [] }],
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from --api-keys; it posts as the bot nick the key names.' } },
        schemas: API_SCHEMAS,
      },
      paths: {
        '/api/rooms': {
          get: {
            operationId: 'listRooms',
            summary: 'Every room that has members, with member counts, sorted by name.',
            responses: { '200': json('The rooms.', ref('Rooms')), ...errors(401, 429) },
          },
        },
        '/api/rooms/{room}/messages': {
          post: {
            operationId: 'postMessage',
            summary: 'Post a message as the key\'s bot (which joins the room first if needed).',
            parameters: [roomParameter],
            requestBody: { required: true, content: { 'application/json': { schema: ref('PostMessageBody') } } },
            responses: { '201': json('The message as stored, with its seq.', ref('Message')), ...errors(400, 401, 403, 409, 413, 415, 429, 503) },
          },
        },
        '/api/rooms/{room}/history': {
          get: {
            operationId: 'roomHistory',
            summary: 'A page of the room\'s stored messages, as the `history` frame pages them.',
            parameters: [roomParameter, ...historyParameters],
            responses: { '200': json('A page of history.', ref('History')), ...errors(400, 401, 403, 429, 503) },
          },
        },
        '/api/rooms/{room}/members': {
          get: {
            operationId: 'roomMembers',
            summary: 'Who is in the room.',
            parameters: [roomParameter],
            responses: { '200': json('The members.', ref('Who')), ...errors(400, 401, 429) },
          },
        },
        '/api/openapi.json': {
          get: { operationId: 'openApi', summary: 'This document.', security: [], responses: { '200': { description: 'The OpenAPI document.' } } },
        },
      },
    }),
  );
}
