/**
 * @module What the server tells IRC clients about itself in RPL_ISUPPORT (005), from hubbub's own
 * rules: every value here is one hubbub keeps, not a guess at what clients like.
 */
import { NICK_MAX_CHARS, ROOM_MAX_CHARS, ROOM_TEXT_MAX_CHARS, type Limits } from '../../core/limits.js';
import { IRC_MAX_BODY_BYTES } from '../../protocol/irc/irc-message.js';
import { CHANMODES, PREFIX } from './channel-modes.js';

/** Targets one PRIVMSG or NOTICE may name (comma-separated). */
export const MESSAGE_TARGETS = 4;
/** Nicks one USERHOST or ISON asks about (RFC 2812 gives 5 for USERHOST). */
export const USERHOST_TARGETS = 5;
/** Longest away message kept, in characters. */
export const AWAY_MAX_CHARS = 200;

export function isupportTokens(network: string, limits: Readonly<Limits>): string[] {
  return [
    `AWAYLEN=${AWAY_MAX_CHARS}`,
    // hubbub folds names by NFKC and lower case: RFC 8265's mapping (width, toLowerCase, NFC) on every name RFC 8265 allows.
    'CASEMAPPING=rfc8265',
    `CHANLIMIT=#:${limits.maxRoomsPerConn}`,
    `CHATHISTORY=${limits.historyPageMax}`,
    `CHANMODES=${CHANMODES}`,
    `CHANNELLEN=${ROOM_MAX_CHARS + 1}`,
    `KICKLEN=${ROOM_TEXT_MAX_CHARS}`,
    'CHANTYPES=#',
    'CLIENTTAGDENY=*',
    `LINELEN=${IRC_MAX_BODY_BYTES + 2}`,
    'MSGREFTYPES=msgid',
    `NETWORK=${network}`,
    `NICKLEN=${NICK_MAX_CHARS}`,
    `PREFIX=${PREFIX}`,
    'SAFELIST',
    `TOPICLEN=${ROOM_TEXT_MAX_CHARS}`,
    `TARGMAX=JOIN:,PART:,NAMES:,LIST:,PRIVMSG:${MESSAGE_TARGETS},NOTICE:${MESSAGE_TARGETS},WHOIS:1,USERHOST:${USERHOST_TARGETS}`,
    'UTF8ONLY',
  ];
}
