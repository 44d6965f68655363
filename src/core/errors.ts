/**
 * @module The registry of every error code a client can see. docs/errors.md lists the same codes
 * (a test keeps the two in step). A code is stable: clients may switch on it; messages may change.
 */

export interface ErrorSpec {
  /** Human-readable default message. */
  readonly message: string;
  /** Fatal errors end the connection (sent as a `bye` frame, then the socket closes). */
  readonly fatal: boolean;
  /** WebSocket close status used when a fatal error closes a WebSocket. */
  readonly wsClose?: number;
}

export const ERRORS = {
  // Framing and decoding: the command is dropped, the connection stays.
  bad_json: { message: 'frame is not valid JSON', fatal: false },
  bad_frame: { message: 'frame must be a JSON object with a string "type"', fatal: false },
  unknown_type: { message: 'unknown frame type', fatal: false },
  bad_field: { message: 'a field is missing or has the wrong type', fatal: false },
  forbidden_key: { message: 'keys like __proto__, constructor and prototype are not accepted', fatal: false },
  unknown_command: { message: 'unknown command; /help lists them', fatal: false },
  bad_args: { message: 'wrong arguments for this command', fatal: false },
  line_too_long: { message: 'line too long; the rest of it was discarded', fatal: false },
  invalid_utf8: { message: 'input is not valid UTF-8; the line was discarded', fatal: false },
  binary_unsupported: { message: 'binary frames are not accepted; send JSON text frames', fatal: false },
  // Content.
  text_too_long: { message: 'message text is too long', fatal: false },
  empty_text: { message: 'message text is empty', fatal: false },
  rate_limited: { message: 'too many commands; this one was not delivered', fatal: false },
  // Names and rooms.
  nick_invalid: { message: 'nick must be 1-32 letters, digits, _ or -', fatal: false },
  nick_taken: { message: 'that nick is already taken', fatal: false },
  nick_reserved: { message: 'that nick is reserved: guest-<number> for the connection with that number, a signed-in subject for its token', fatal: false },
  room_invalid: { message: 'room must be 1-64 letters, digits, _ or -', fatal: false },
  not_in_room: { message: 'you are not in that room', fatal: false },
  too_many_rooms: { message: 'you are in too many rooms; part one first', fatal: false },
  no_such_nick: { message: 'nobody has that nick', fatal: false },
  // Room rules: what a room's operators decided (docs/chat.md, "Running a room").
  not_operator: { message: 'only an operator of the room may do that', fatal: false },
  banned: { message: 'you are banned from that room', fatal: false },
  invite_only: { message: 'that room is invite-only; an operator must /invite you', fatal: false },
  bad_key: { message: 'that room takes a key, and this is not it: /join <room> <key>', fatal: false },
  room_full: { message: 'that room has reached its member limit', fatal: false },
  moderated: { message: 'the room is moderated: only operators and voiced members speak', fatal: false },
  slow_mode: { message: 'the room is in slow mode: wait before your next message', fatal: false },
  topic_locked: { message: 'only operators set the topic of this room', fatal: false },
  no_such_ban: { message: 'no ban of that room names that nick or id', fatal: false },
  ban_list_full: { message: "the room's ban list is full; lift a ban first", fatal: false },
  // Identity: tokens, the password, what a token grants.
  auth_required: { message: 'sign in first: /auth [token|password] (an `auth` frame in JSON)', fatal: false },
  auth_failed: { message: 'wrong password', fatal: false },
  auth_unavailable: { message: 'this server takes no tokens (no --auth-secret or --auth-jwks-file)', fatal: false },
  token_invalid: { message: 'the token is not a well-formed JWT with a valid subject and claims', fatal: false },
  token_unsupported_alg: { message: 'the token is signed with an algorithm this server does not accept (never "none")', fatal: false },
  token_bad_signature: { message: "the token's signature does not verify with this server's keys", fatal: false },
  token_wrong_audience: { message: 'the token is meant for another audience', fatal: false },
  token_wrong_issuer: { message: 'the token was issued by someone this server does not trust', fatal: false },
  token_expired: { message: 'the token has expired (or is about to): send a fresh one with /auth', fatal: false },
  token_subject_changed: { message: 'a fresh token must name the subject you signed in as', fatal: false },
  nick_locked: { message: "signed in: your nick is your token's subject", fatal: false },
  room_forbidden: { message: 'your token does not let you into that room', fatal: false },
  // HTTP only: answered with a status and this code in a JSON error, never on a chat connection.
  origin_forbidden: { message: 'pages of this origin may not open a WebSocket here', fatal: false },
  unauthorized: { message: 'this needs a bearer token (an API key, or --metrics-token for /metrics)', fatal: false },
  not_found: { message: 'nothing here', fatal: false },
  method_not_allowed: { message: 'this path does not take that method', fatal: false },
  body_too_large: { message: 'the request body is too large', fatal: false },
  unsupported_media_type: { message: 'send the body as application/json', fatal: false },
  store_failed: { message: 'the history store failed: your message was not stored, so it was not delivered', fatal: false },
  internal_error: { message: 'the server failed to handle this command; it was not carried out', fatal: false },
  // Disconnects: sent in a `bye` frame just before the server closes the connection.
  server_full: { message: 'the server has reached its connection limit', fatal: true, wsClose: 1013 },
  too_many_from_ip: { message: 'too many connections from your address', fatal: true, wsClose: 1008 },
  excess_flood: { message: 'kicked: kept flooding after being rate limited', fatal: true, wsClose: 1008 },
  killed: { message: 'disconnected by a server operator', fatal: true, wsClose: 1008 },
  slow_reader: { message: 'disconnected: you stopped reading and your outbox filled up', fatal: true, wsClose: 1008 },
  shutting_down: { message: 'the server is shutting down', fatal: true, wsClose: 1001 },
  server_error: { message: 'the server failed to set up this connection; try again', fatal: true, wsClose: 1011 },
  session_expired: { message: 'your token expired and no fresh one came: signed out', fatal: true, wsClose: 1008 },
  bad_proxy_header: { message: "a trusted proxy's client-address header (PROXY protocol or X-Forwarded-For) is malformed", fatal: true, wsClose: 1008 },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** How much of a client's input an error message repeats back: enough to recognise, never an amplifier. */
const ECHO_MAX_CHARS = 40;

/** A client's input as an error message quotes it: at most 40 characters, marked when cut. */
export function echo(input: string): string {
  const chars = [...input];
  return chars.length <= ECHO_MAX_CHARS ? input : `${chars.slice(0, ECHO_MAX_CHARS).join('')}…`;
}

/** An error as a value: what went wrong, for whom, and whether the connection survives it. */
export class HubError extends Error {
  readonly code: ErrorCode;
  readonly fatal: boolean;
  constructor(code: ErrorCode, message?: string) {
    const spec: ErrorSpec = ERRORS[code];
    super(message ?? spec.message);
    this.code = code;
    this.fatal = spec.fatal;
  }
}
