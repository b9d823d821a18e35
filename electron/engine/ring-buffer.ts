/**
 * A bounded byte buffer for one guest's console. Every byte ever appended has a sequence number (its offset in the
 * console stream since the guest started); only the newest `capacity` bytes are kept. Readers resume from a
 * sequence number and learn when part of what they asked for has already been overwritten.
 */

export const DEFAULT_CONSOLE_BUFFER = 1024 * 1024;

export interface RingRead {
  /** The buffered bytes from `seq` to `end`. */
  readonly data: Buffer;
  /** Sequence number of data's first byte (later than asked when truncated). */
  readonly seq: number;
  /** Sequence number after the last buffered byte. */
  readonly end: number;
  /** True when bytes from the requested sequence number on were already overwritten. */
  readonly truncated: boolean;
}

export type RingListener = (chunk: Buffer, seq: number) => void;

export class RingBuffer {
  private readonly buf: Buffer;
  private total = 0;
  private readonly listeners = new Set<RingListener>();

  constructor(readonly capacity: number = DEFAULT_CONSOLE_BUFFER) {
    if (!Number.isInteger(capacity) || capacity <= 0)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.buf = Buffer.alloc(capacity);
  }

  /** Sequence number after the newest byte (bytes appended so far). */
  get end(): number {
    return this.total;
  }

  /** Sequence number of the oldest byte still buffered. */
  get start(): number {
    return Math.max(0, this.total - this.capacity);
  }

  /** Appends bytes (O(chunk)); the oldest bytes are overwritten past capacity. Subscribers get the whole chunk. */
  append(chunk: Buffer | Uint8Array): number {
    const seq = this.total;
    if (chunk.length === 0) return seq;
    const keep = chunk.length > this.capacity ? chunk.subarray(chunk.length - this.capacity) : chunk;
    const at = (seq + chunk.length - keep.length) % this.capacity;
    const first = Math.min(keep.length, this.capacity - at);
    this.buf.set(keep.subarray(0, first), at);
    if (first < keep.length) this.buf.set(keep.subarray(first), 0);
    this.total += chunk.length;
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    for (const listener of [...this.listeners]) listener(data, seq);
    return seq;
  }

  /** Copies the buffered bytes from `fromSeq` (clamped to what is buffered) to the end. */
  read(fromSeq = 0): RingRead {
    const end = this.total;
    const start = this.start;
    const truncated = fromSeq < start;
    const seq = Math.min(Math.max(fromSeq, start), end);
    const length = end - seq;
    const data = Buffer.alloc(length);
    if (length > 0) {
      const at = seq % this.capacity;
      const first = Math.min(length, this.capacity - at);
      this.buf.copy(data, 0, at, at + first);
      if (first < length) this.buf.copy(data, first, 0, length - first);
    }
    return { data, seq, end, truncated };
  }

  /** Calls `listener` with each appended chunk and its sequence number until the returned function is called. */
  subscribe(listener: RingListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Drops every subscriber. */
  dispose(): void {
    this.listeners.clear();
  }
}
