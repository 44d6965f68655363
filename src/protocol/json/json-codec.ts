/** @module The JSON codec: one JSON object per line (TCP) or per text frame (WebSocket). */
import type { Codec } from '../../core/conn.js';
import { parseJsonFrame } from './parse-json.js';

export const jsonCodec: Codec = {
  name: 'json',
  decode: parseJsonFrame,
  encode: (event) => JSON.stringify(event),
};
