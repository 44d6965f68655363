/**
 * @module The marker every benchmark message carries in its text, `~B<sender>.<seq>.<µs>~`, and a
 * scanner that finds markers in raw bytes without decoding frames, lines or JSON. The same text
 * survives every server's format: hubbub JSON and text lines, Socket.IO packets, and the naive
 * net server's raw byte stream.
 */

const TILDE = 0x7e;
const LETTER_B = 0x42;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
/** Digits of the longest marker body: sender, seq and a microsecond timestamp. */
const MAX_MARKER_BYTES = 48;

/** Message text: the marker, then padding to `textBytes` so every message has the same size. */
export function markerText(sender: number, seq: number, tsUs: number, textBytes: number): string {
  const marker = `~B${sender}.${seq}.${tsUs}~`;
  return marker.length >= textBytes ? marker : marker + ' ' + 'x'.repeat(textBytes - marker.length - 1);
}

export interface MarkerSink {
  marker(sender: number, seq: number, tsUs: number): void;
  /** A `~B` that is not followed by a well-formed marker: the bytes around it were mangled. */
  corrupt(): void;
}

/**
 * Reports every complete marker in `buf[start, end)` and returns where an unfinished marker at
 * the end begins (so the caller can carry those bytes into the next read), or `end`.
 */
export function scanMarkers(buf: Uint8Array, start: number, end: number, sink: MarkerSink): number {
  let i = start;
  while (i < end) {
    const tilde = buf.indexOf(TILDE, i);
    if (tilde === -1 || tilde >= end) return end;
    if (tilde + 1 >= end) return tilde;
    if (buf[tilde + 1] !== LETTER_B) {
      i = tilde + 1;
      continue;
    }
    // Three numbers: sender, seq, timestamp; kept in locals because this runs per delivery.
    let p = tilde + 2;
    let sender = 0;
    let seq = 0;
    let ts = 0;
    let field = 0;
    let digits = 0;
    let ok = false;
    for (; p < end; p++) {
      const byte = buf[p]!;
      if (byte >= ZERO && byte <= NINE) {
        const d = byte - ZERO;
        if (field === 0) sender = sender * 10 + d;
        else if (field === 1) seq = seq * 10 + d;
        else ts = ts * 10 + d;
        digits++;
      } else if (digits > 0 && byte === DOT && field < 2) {
        field++;
        digits = 0;
      } else {
        ok = digits > 0 && byte === TILDE && field === 2;
        break;
      }
    }
    if (p >= end) {
      // The marker runs past this read; a marker longer than any real one is mangled, not split.
      if (end - tilde <= MAX_MARKER_BYTES) return tilde;
      sink.corrupt();
      return end;
    }
    if (ok) {
      sink.marker(sender, seq, ts);
      i = p + 1;
    } else {
      sink.corrupt();
      i = tilde + 1;
    }
  }
  return end;
}
