/** @module The text codec: human lines both ways, for nc, telnet and terminals. */
import type { Codec } from '../../core/conn.js';
import { formatTextEvent } from './format-text.js';
import { parseTextLine } from './parse-text.js';

export const textCodec: Codec = {
  name: 'text',
  decode: parseTextLine,
  encode: formatTextEvent,
};
