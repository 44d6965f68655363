/**
 * @module What the HTTP API reads and answers, as schemas taken from the wire's own
 * (src/protocol/schema): an answer is the very frame a WebSocket client would get for the same
 * request (without its ref), and a request's fields are the fields of the frame it becomes.
 */
import { Type } from '@sinclair/typebox';
import { CLIENT_FRAMES } from '../../protocol/schema/client-frames.js';
import { SERVER_FRAMES } from '../../protocol/schema/server-frames.js';

/** POST /api/rooms/{room}/messages: a `say` frame's text and action; the room is in the path. */
export const PostMessageBody = Type.Pick(CLIENT_FRAMES.say, ['text', 'action'], {
  description: 'The message to post: as the `say` frame takes it, without the room (it is in the path).',
});

/**
 * GET /api/rooms/{room}/history: a `history` frame's paging fields, as query parameters, and no
 * others: the query becomes a frame, and `?type=say&text=…` must not turn a read into a post.
 */
export const HistoryQuery = Type.Pick(CLIENT_FRAMES.history, ['limit', 'before', 'after'], { additionalProperties: false });

/** Each answer schema by the name the OpenAPI document gives it. */
export const API_SCHEMAS = {
  Message: SERVER_FRAMES.message,
  History: SERVER_FRAMES.history,
  Who: SERVER_FRAMES.who,
  Rooms: SERVER_FRAMES.rooms,
  Error: SERVER_FRAMES.error,
  PostMessageBody,
};
