/**
 * Pulls exact byte counts out of an async stream of chunks without copying when a request
 * fits in the current chunk. The tar walker reads headers and chosen file contents through
 * it and skips everything else.
 */
export class ByteReader {
  private chunk: Buffer = Buffer.alloc(0);
  private offset = 0;
  private ended = false;
  /** Bytes handed out or skipped so far. */
  position = 0;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /** Read exactly `n` bytes; fewer (possibly zero) only when the stream ends first. */
  async read(n: number): Promise<Buffer> {
    const available = this.chunk.length - this.offset;
    if (available >= n) {
      const out = this.chunk.subarray(this.offset, this.offset + n);
      this.offset += n;
      this.position += n;
      return out;
    }
    const parts: Buffer[] = [];
    let missing = n;
    while (missing > 0) {
      if (this.offset >= this.chunk.length && !(await this.fill())) break;
      const take = Math.min(missing, this.chunk.length - this.offset);
      parts.push(this.chunk.subarray(this.offset, this.offset + take));
      this.offset += take;
      missing -= take;
    }
    this.position += n - missing;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Skip `n` bytes; returns how many were actually skipped before the end. */
  async skip(n: number): Promise<number> {
    let missing = n;
    while (missing > 0) {
      if (this.offset >= this.chunk.length && !(await this.fill())) break;
      const take = Math.min(missing, this.chunk.length - this.offset);
      this.offset += take;
      missing -= take;
    }
    this.position += n - missing;
    return n - missing;
  }

  /** Consume the rest of the stream (so that end-of-stream checks such as digests run). */
  async drain(): Promise<number> {
    let count = this.chunk.length - this.offset;
    this.offset = this.chunk.length;
    while (await this.fill()) {
      count += this.chunk.length;
      this.offset = this.chunk.length;
    }
    return count;
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    for (;;) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      if (next.value.length > 0) {
        this.chunk = next.value;
        this.offset = 0;
        return true;
      }
    }
  }
}
