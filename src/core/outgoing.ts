/** @module One server event on its way to many recipients, encoded at most once per (codec, framing). */
import type { Codec, Framing } from './conn.js';
import type { ServerEvent } from './events.js';

export class Outgoing {
  // Few (codec, framing) pairs exist, so a short list beats a Map keyed by concatenated strings.
  private readonly cache: { codec: Codec; framing: Framing; bytes: Buffer }[] = [];

  /** Set when the event must not reach anyone after all (its message could not be stored). */
  cancelled = false;

  constructor(readonly event: ServerEvent) {}

  bytesFor(codec: Codec, framing: Framing): Buffer {
    for (const entry of this.cache) {
      if (entry.codec === codec && entry.framing === framing) return entry.bytes;
    }
    const bytes = framing.frame(codec.encode(this.event));
    this.cache.push({ codec, framing, bytes });
    return bytes;
  }
}
