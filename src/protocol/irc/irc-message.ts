/**
 * @module IRC lines both ways (RFC 1459 / RFC 2812 with the ircdocs "modern" rules): message tags,
 * source prefix, command, middle and trailing parameters. Pure. Parsing never throws: any string is
 * a message or a coded refusal; serializing our own messages is checked, since a space in a middle
 * parameter would let one value be read as two.
 */

/** One IRC message; `params` holds the trailing parameter last, like any other. */
export interface IrcMessage {
  readonly tags?: Readonly<Record<string, string>>;
  readonly source?: string;
  /** A command name in upper case, or a three-digit numeric. */
  readonly command: string;
  readonly params: readonly string[];
}

/** Why a line is not a message: `too_long` earns ERR_INPUTTOOLONG (417); the others ERR_UNKNOWNCOMMAND or nothing. */
export type IrcRefusal = 'empty' | 'too_long' | 'bad_tags' | 'bad_command' | 'bad_characters';

export type ParsedIrc = { readonly ok: true; readonly message: IrcMessage } | { readonly ok: false; readonly refusal: IrcRefusal; readonly command?: string };

/** Bytes of a message without its tags and without CR LF (RFC 1459: 512 with CR LF). */
export const IRC_MAX_BODY_BYTES = 510;
/** Bytes of the tags section, its leading `@` and trailing space included (ircdocs: 8191). */
export const IRC_MAX_TAG_BYTES = 8191;
/** Parameters a message may have (RFC 2812); past the 14th middle, the rest of the line is the last. */
export const IRC_MAX_PARAMS = 15;

const COMMAND = /^(?:[A-Za-z]+|[0-9]{3})$/;
// NUL, CR and LF cannot appear inside a line.
const FORBIDDEN = /[\0\r\n]/;

function unescapeTagValue(raw: string): string {
  return raw.replace(/\\(.?)/gs, (_, c: string) => (c === ':' ? ';' : c === 's' ? ' ' : c === 'r' ? '\r' : c === 'n' ? '\n' : c));
}

function escapeTagValue(value: string): string {
  return value.replace(/[\\; \r\n]/g, (c) => (c === '\\' ? '\\\\' : c === ';' ? '\\:' : c === ' ' ? '\\s' : c === '\r' ? '\\r' : '\\n'));
}

const TAG_KEY = /^\+?(?:[A-Za-z0-9.-]+\/)?[A-Za-z0-9-]+$/;

function parseTags(raw: string): Record<string, string> | undefined {
  const tags: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const item of raw.split(';')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq === -1 ? item : item.slice(0, eq);
    if (!TAG_KEY.test(key)) return undefined;
    tags[key] = eq === -1 ? '' : unescapeTagValue(item.slice(eq + 1));
  }
  return tags;
}

/** The next space-delimited token from `at`, skipping runs of spaces (which the modern rules allow). */
function skipSpaces(line: string, at: number): number {
  while (line.charCodeAt(at) === 0x20) at++;
  return at;
}

/** Reads one line (CR LF already removed by the transport). Never throws. */
export function parseIrc(line: string): ParsedIrc {
  if (FORBIDDEN.test(line)) return { ok: false, refusal: 'bad_characters' };
  let at = skipSpaces(line, 0);
  let tags: Record<string, string> | undefined;
  if (line[at] === '@') {
    const end = line.indexOf(' ', at);
    const raw = end === -1 ? line.slice(at + 1) : line.slice(at + 1, end);
    if (Buffer.byteLength(raw, 'utf8') + 2 > IRC_MAX_TAG_BYTES) return { ok: false, refusal: 'too_long' };
    tags = parseTags(raw);
    if (tags === undefined) return { ok: false, refusal: 'bad_tags' };
    at = end === -1 ? line.length : skipSpaces(line, end);
  }
  if (Buffer.byteLength(line.slice(at), 'utf8') > IRC_MAX_BODY_BYTES) return { ok: false, refusal: 'too_long' };
  let source: string | undefined;
  if (line[at] === ':') {
    const end = line.indexOf(' ', at);
    source = end === -1 ? line.slice(at + 1) : line.slice(at + 1, end);
    at = end === -1 ? line.length : skipSpaces(line, end);
  }
  if (at >= line.length) return { ok: false, refusal: 'empty' };
  const commandEnd = line.indexOf(' ', at);
  const command = commandEnd === -1 ? line.slice(at) : line.slice(at, commandEnd);
  if (!COMMAND.test(command)) return { ok: false, refusal: 'bad_command', command };
  const params: string[] = [];
  at = commandEnd === -1 ? line.length : skipSpaces(line, commandEnd);
  while (at < line.length) {
    if (line[at] === ':' || params.length === IRC_MAX_PARAMS - 1) {
      params.push(line.slice(line[at] === ':' ? at + 1 : at));
      break;
    }
    const end = line.indexOf(' ', at);
    params.push(end === -1 ? line.slice(at) : line.slice(at, end));
    at = end === -1 ? line.length : skipSpaces(line, end);
  }
  const message: IrcMessage = { command: command.toUpperCase(), params, ...(tags && Object.keys(tags).length > 0 && { tags }), ...(source !== undefined && { source }) };
  return { ok: true, message };
}

/** A parameter that must be written as the trailing one (with a colon) to be read back whole. */
function needsColon(param: string): boolean {
  return param === '' || param.startsWith(':') || param.includes(' ');
}

/**
 * One message as a line without CR LF. Only the last parameter may be empty, start with a colon or
 * hold spaces; nothing may hold NUL, CR or LF. Throws on a message breaking that: it is ours.
 */
export function serializeIrc(message: IrcMessage): string {
  const parts: string[] = [];
  if (message.tags) {
    const tags = Object.entries(message.tags).map(([key, value]) => (value === '' ? key : `${key}=${escapeTagValue(value)}`));
    if (tags.length > 0) parts.push(`@${tags.join(';')}`);
  }
  if (message.source !== undefined) parts.push(`:${message.source}`);
  parts.push(message.command);
  const { params } = message;
  params.forEach((param, i) => {
    if (FORBIDDEN.test(param)) throw new Error(`IRC parameter ${i} of ${message.command} holds NUL, CR or LF`);
    const last = i === params.length - 1;
    if (!last && needsColon(param)) throw new Error(`IRC middle parameter ${i} of ${message.command} is empty, starts with ":" or holds a space`);
    parts.push(last && needsColon(param) ? `:${param}` : param);
  });
  return parts.join(' ');
}

/**
 * A message as a line that fits IRC's 512 bytes: when it would not, its last parameter is cut
 * (between characters). For replies that quote what a client sent.
 */
export function serializeIrcWithin(message: IrcMessage, maxBytes = IRC_MAX_BODY_BYTES): string {
  const line = serializeIrc(message);
  const over = utf8Length(line) - maxBytes;
  const last = message.params.at(-1);
  if (over <= 0 || last === undefined) return line;
  const kept = splitUtf8(last, Math.max(4, utf8Length(last) - over))[0] ?? '';
  return serializeIrc({ ...message, params: [...message.params.slice(0, -1), kept] });
}

/** Bytes of `text` in UTF-8. */
function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Cuts text into pieces of at most `maxBytes` UTF-8 bytes each, never inside a character, so a
 * long message goes out as several lines that each fit IRC's 512 bytes.
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (utf8Length(text) <= maxBytes) return [text];
  const pieces: string[] = [];
  let piece = '';
  let bytes = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > maxBytes && piece !== '') {
      pieces.push(piece);
      piece = '';
      bytes = 0;
    }
    piece += char;
    bytes += size;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}
