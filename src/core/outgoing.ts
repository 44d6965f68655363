/** @module One server event on its way to many recipients, encoded at most once per (codec, framing). */
import type { Codec, Framing, Viewer } from './conn.js';
import type { ServerEvent } from './events.js';

/** Something queued for one session: the bytes it reads as in that session's codec and framing. */
export interface Deliverable {
  bytesFor(codec: Codec, framing: Framing, viewer?: Viewer): Buffer;
}

interface Encoding {
  codec: Codec;
  framing: Framing;
  bytes: Buffer;
}

const NOTHING = Buffer.alloc(0);

function frame(codec: Codec, framing: Framing, event: ServerEvent, viewer: Viewer | undefined): Buffer {
  const payload = codec.encode(event, viewer);
  return payload === '' ? NOTHING : framing.frame(payload);
}

export class Outgoing implements Deliverable {
  // Most events reach one (codec, framing) pair, and at most three exist: the first encoding is
  // kept in fields for the fan-out loop, the others in a short list.
  private firstCodec: Codec | undefined;
  private firstFraming: Framing | undefined;
  private firstBytes: Buffer | undefined;
  private others: Encoding[] | undefined;
  /** Encodings of codecs with variants (see Codec.variantFor), by codec and variant; kept apart so they never slow the lookup above. */
  private variants: Map<Codec, Map<string, Buffer>> | undefined;

  constructor(readonly event: ServerEvent) {}

  /** The framed bytes for a codec and framing (empty when the codec sends nothing for this event). */
  bytesFor(codec: Codec, framing: Framing, viewer?: Viewer): Buffer {
    if (codec.variantFor) return this.variant(codec, framing, viewer);
    if (codec === this.firstCodec && framing === this.firstFraming) return this.firstBytes!;
    if (this.firstBytes === undefined) {
      this.firstCodec = codec;
      this.firstFraming = framing;
      return (this.firstBytes = frame(codec, framing, this.event, viewer));
    }
    const known = this.others?.find((e) => e.codec === codec && e.framing === framing);
    if (known) return known.bytes;
    const bytes = frame(codec, framing, this.event, viewer);
    (this.others ??= []).push({ codec, framing, bytes });
    return bytes;
  }

  /** The encoding of the reader's variant (one framing per codec: a door frames its codec one way). */
  private variant(codec: Codec, framing: Framing, viewer: Viewer | undefined): Buffer {
    const key = codec.variantFor!(this.event, viewer);
    this.variants ??= new Map();
    let byKey = this.variants.get(codec);
    if (byKey === undefined) this.variants.set(codec, (byKey = new Map<string, Buffer>()));
    let bytes = byKey.get(key);
    if (bytes === undefined) byKey.set(key, (bytes = frame(codec, framing, this.event, viewer)));
    return bytes;
  }

  /** Every encoding made so far (the buffers recipients were handed). */
  encodings(): Buffer[] {
    const variants = [...(this.variants?.values() ?? [])].flatMap((byKey) => [...byKey.values()]);
    return [...(this.firstBytes ? [this.firstBytes] : []), ...(this.others ?? []).map((e) => e.bytes), ...variants];
  }
}

/**
 * A payload a door already wrote in its own codec, for one session: an answer no shared event
 * describes (a door's own protocol replies). Framed by the session's framing like anything else,
 * so it queues in order behind what is queued and counts against the outbox.
 */
export class Encoded implements Deliverable {
  constructor(private readonly payload: string) {}

  bytesFor(_codec: Codec, framing: Framing): Buffer {
    return this.payload === '' ? NOTHING : framing.frame(this.payload);
  }
}
