/** @module Validation and normalisation of nicks, room names and user text, at the edge. */
import { echo, HubError } from './errors.js';
import { foldName } from './fold.js';
import { NICK_MAX_CHARS, ROOM_KEY_MAX_CHARS, ROOM_MAX_CHARS, ROOM_TEXT_MAX_CHARS } from './limits.js';

const NAME_CHARS = /^[\p{L}\p{M}\p{N}_-]+$/u;
/** Tested on the folded nick, so no lookalike (`GUEST-５`, `ｇuest-5`) escapes it. */
const GUEST_NICK = /^guest-([0-9]+)$/;

function charCount(s: string): number {
  return [...s].length;
}

function isName(s: string, maxChars: number): boolean {
  return s.length > 0 && NAME_CHARS.test(s) && charCount(s) <= maxChars;
}

/** Returns the nick as it will be shown (NFC), or throws nick_invalid / nick_reserved. */
export function checkNick(raw: string, ownId: number): string {
  const nick = raw.normalize('NFC');
  if (!isName(nick, NICK_MAX_CHARS)) throw new HubError('nick_invalid');
  const guest = GUEST_NICK.exec(nickKey(nick));
  if (guest && guest[1] !== String(ownId)) throw new HubError('nick_reserved');
  return nick;
}

/** A nick as someone else may hold it (a ban names it), guest nicks included: NFC, or throws nick_invalid. */
export function checkAnyNick(raw: string): string {
  const nick = raw.normalize('NFC');
  if (!isName(nick, NICK_MAX_CHARS)) throw new HubError('nick_invalid', `"${echo(raw)}" is not a nick (1-32 letters, digits, _ or -)`);
  return nick;
}

/** The key under which nicks are unique (see foldName). */
export function nickKey(nick: string): string {
  return foldName(nick);
}

export function guestNick(id: number): string {
  return `guest-${id}`;
}

/**
 * Valid room names as sent, canonicalised. Every say names its room, and normalising and testing
 * the name each time was a measurable share of a message's cost; the cache is cleared when full.
 */
const canonicalRooms = new Map<string, string>();
const CANONICAL_ROOMS_MAX = 4096;

/** Returns the canonical (case-folded) room name, or throws room_invalid. A leading `#` is accepted. */
export function checkRoom(raw: string): string {
  const known = canonicalRooms.get(raw);
  if (known !== undefined) return known;
  const room = foldName(raw.startsWith('#') ? raw.slice(1) : raw);
  if (!isName(room, ROOM_MAX_CHARS)) throw new HubError('room_invalid');
  if (canonicalRooms.size >= CANONICAL_ROOMS_MAX) canonicalRooms.clear();
  canonicalRooms.set(raw, room);
  return room;
}

// ANSI escape sequences (CSI, OSC, and two-byte ESC forms), then any remaining C0/C1 control.
// Tab and newline survive: JSON clients may send multi-line text; text-mode output flattens them.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])|\u009b[0-?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Bidi overrides and isolates would let one user reorder the text around their message.
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/g;
// Any character one of the replacements below would touch (CR, escapes, controls, bidi): most text has none.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_SANITIZING = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Removes everything that could drive a terminal; normalises CR LF to LF. */
export function sanitizeText(raw: string): string {
  if (!NEEDS_SANITIZING.test(raw)) return raw;
  return raw
    .replace(/\r\n?/g, '\n')
    .replace(ESCAPE_SEQUENCE, '')
    .replace(CONTROL, '')
    .replace(BIDI_CONTROL, '');
}

/** Sanitises message text and enforces the size limit; throws empty_text / text_too_long. */
export function checkText(raw: string, maxBytes: number): string {
  const text = sanitizeText(raw);
  if (text.trim().length === 0) throw new HubError('empty_text');
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new HubError('text_too_long', `message text is over ${maxBytes} bytes`);
  }
  return text;
}

/**
 * A topic, kick or ban reason: one line (line breaks become spaces), cleaned, trimmed, and at most
 * ROOM_TEXT_MAX_CHARS characters, or throws text_too_long naming `what`. May come back empty.
 */
export function checkRoomText(raw: string, what: string): string {
  const line = sanitizeText(raw).replace(/\s*[\n\t\u2028\u2029]+\s*/g, ' ').trim();
  if (charCount(line) > ROOM_TEXT_MAX_CHARS) throw new HubError('text_too_long', `${what} is over ${ROOM_TEXT_MAX_CHARS} characters`);
  return line;
}

/** A room key: 1 to ROOM_KEY_MAX_CHARS characters without spaces or control characters; throws bad_field. */
export function checkKey(raw: string): string {
  if (raw.length === 0 || charCount(raw) > ROOM_KEY_MAX_CHARS || /\s/u.test(raw) || sanitizeText(raw) !== raw) {
    throw new HubError('bad_field', `a key is 1-${ROOM_KEY_MAX_CHARS} characters, without spaces`);
  }
  return raw;
}
