/** @module One server event on its way to many recipients, encoded at most once per (codec, framing). */
import type { Codec, Framing } from './conn.js';
import type { ServerEvent } from './events.js';

interface Encoding {
  codec: Codec;
  framing: Framing;
  bytes: Buffer;
}

export class Outgoing {
  // Most events reach one (codec, framing) pair, and at most three exist: the first encoding is
  // kept in fields for the fan-out loop, the others in a short list.
  private firstCodec: Codec | undefined;
  private firstFraming: Framing | undefined;
  private firstBytes: Buffer | undefined;
  private others: Encoding[] | undefined;

  constructor(readonly event: ServerEvent) {}

  bytesFor(codec: Codec, framing: Framing): Buffer {
    if (codec === this.firstCodec && framing === this.firstFraming) return this.firstBytes!;
    if (this.firstBytes === undefined) {
      this.firstCodec = codec;
      this.firstFraming = framing;
      return (this.firstBytes = framing.frame(codec.encode(this.event)));
    }
    const known = this.others?.find((e) => e.codec === codec && e.framing === framing);
    if (known) return known.bytes;
    const bytes = framing.frame(codec.encode(this.event));
    (this.others ??= []).push({ codec, framing, bytes });
    return bytes;
  }

  /** Every encoding made so far (the buffers recipients were handed). */
  encodings(): Buffer[] {
    return [...(this.firstBytes ? [this.firstBytes] : []), ...(this.others ?? []).map((e) => e.bytes)];
  }
}
