/**
 * @module A latency histogram in microseconds with about 3 % relative precision: fixed memory
 * however many samples it holds, mergeable across load processes, percentiles read from buckets.
 */

/** Values below this are kept exactly, one bucket each. */
const LINEAR_LIMIT = 64;
/** Buckets per power of two above LINEAR_LIMIT (5 bits of mantissa). */
const SUB_BUCKETS = 32;
/** Largest recordable value: 2^31 − 1 µs, about 36 minutes; larger values are clamped. */
const MAX_VALUE = 0x7fffffff;
const FIRST_OCTAVE = 6; // log2(LINEAR_LIMIT)
const HISTOGRAM_BUCKETS = LINEAR_LIMIT + (31 - FIRST_OCTAVE) * SUB_BUCKETS;

export function bucketOf(value: number): number {
  const v = value <= 0 ? 0 : value >= MAX_VALUE ? MAX_VALUE : Math.round(value);
  if (v < LINEAR_LIMIT) return v;
  const msb = 31 - Math.clz32(v);
  const mantissa = (v >>> (msb - 5)) & (SUB_BUCKETS - 1);
  return LINEAR_LIMIT + (msb - FIRST_OCTAVE) * SUB_BUCKETS + mantissa;
}

/** The smallest value that falls into `bucket`. */
export function bucketLow(bucket: number): number {
  if (bucket < LINEAR_LIMIT) return bucket;
  const octave = Math.floor((bucket - LINEAR_LIMIT) / SUB_BUCKETS);
  const mantissa = (bucket - LINEAR_LIMIT) % SUB_BUCKETS;
  return (SUB_BUCKETS + mantissa) * 2 ** (octave + 1);
}

/** The largest value that falls into `bucket`. */
export function bucketHigh(bucket: number): number {
  return bucket + 1 >= HISTOGRAM_BUCKETS ? MAX_VALUE : bucketLow(bucket + 1) - 1;
}

export interface HistogramData {
  counts: number[];
  count: number;
  max: number;
}

export class Histogram {
  private readonly counts = new Float64Array(HISTOGRAM_BUCKETS);
  count = 0;
  max = 0;

  record(valueUs: number): void {
    this.counts[bucketOf(valueUs)]! += 1;
    this.count++;
    if (valueUs > this.max) this.max = valueUs;
  }

  /**
   * The value at or below which `p` percent of the samples lie, reported as the top of its
   * bucket (never better than the truth) and never above the exact maximum. NaN when empty.
   */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let bucket = 0; bucket < HISTOGRAM_BUCKETS; bucket++) {
      seen += this.counts[bucket]!;
      if (seen >= rank) return Math.min(bucketHigh(bucket), this.max);
    }
    return this.max;
  }

  merge(other: HistogramData): void {
    other.counts.forEach((n, bucket) => (this.counts[bucket]! += n));
    this.count += other.count;
    this.max = Math.max(this.max, other.max);
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
  }

  /** A plain copy that survives structured cloning over IPC. */
  toData(): HistogramData {
    return { counts: Array.from(this.counts), count: this.count, max: this.max };
  }
}
