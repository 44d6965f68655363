/**
 * @module Splits a TCP byte stream into lines (LF or CR LF) with a byte cap checked at the earliest
 * byte. Works on bytes, so a UTF-8 character split across packets arrives whole.
 */

export interface LineSink {
  line(bytes: Buffer): void;
  /** The current line passed the cap; its remaining bytes, up to the next newline, are dropped. */
  overflow(): void;
}

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  // Null between lines: an idle connection holds no array.
  private parts: Buffer[] | null = null;
  private size = 0;
  private discarding = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(LF, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!this.discarding) this.take(chunk, start, end, newline !== -1);
      if (newline === -1) return;
      if (this.discarding) this.discarding = false;
      else this.emit();
      start = newline + 1;
    }
  }

  /** End of stream: a last line without a newline still counts. */
  end(): void {
    if (!this.discarding && this.size > 0) this.emit();
    this.reset();
  }

  private take(chunk: Buffer, start: number, end: number, complete: boolean): void {
    const length = end - start;
    // A CR right before the LF is not part of the line, so it does not count against the cap.
    const counted = complete && length > 0 && chunk[end - 1] === CR ? length - 1 : length;
    if (this.size + counted > this.maxLineBytes) {
      this.reset();
      this.discarding = true;
      this.sink.overflow();
      return;
    }
    if (length === 0) return;
    // A partial line is copied so it does not pin the whole socket chunk in memory.
    const part = complete ? chunk.subarray(start, end) : Buffer.from(chunk.subarray(start, end));
    if (this.parts === null) this.parts = [part];
    else this.parts.push(part);
    this.size += length;
  }

  private emit(): void {
    const parts = this.parts ?? [];
    let line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.size);
    this.reset();
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    this.sink.line(line);
  }

  private reset(): void {
    this.parts = null;
    this.size = 0;
  }
}
