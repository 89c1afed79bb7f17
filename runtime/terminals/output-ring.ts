/**
 * The most recent output of a terminal, at most `limit` UTF-8 bytes, for a client that reattaches.
 * Whole chunks are dropped from the front (cheap, and keeps escape sequences that arrived in one chunk
 * intact); only a single chunk larger than the limit is cut, keeping its tail.
 */
export class OutputRing {
  private chunks: { text: string; bytes: number }[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly limit: number) {}

  push(text: string): void {
    if (this.limit <= 0 || text.length === 0) return;
    let bytes = Buffer.byteLength(text);
    if (bytes > this.limit) {
      text = tailBytes(text, this.limit);
      bytes = Buffer.byteLength(text);
    }
    this.chunks.push({ text, bytes });
    this.bytes += bytes;
    while (this.bytes > this.limit) {
      this.bytes -= this.chunks[this.head]!.bytes;
      this.head++;
    }
    // Compacts now and then instead of shifting on every drop.
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** Everything kept, oldest first. */
  text(): string {
    let out = "";
    for (let i = this.head; i < this.chunks.length; i++) out += this.chunks[i]!.text;
    return out;
  }

  get size(): number {
    return this.bytes;
  }
}

/** The last `limit` bytes of a string, without a broken character at the cut. */
function tailBytes(text: string, limit: number): string {
  const buffer = Buffer.from(text);
  let start = buffer.length - limit;
  // Skip UTF-8 continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (start < buffer.length && (buffer[start]! & 0xc0) === 0x80) start++;
  return buffer.subarray(start).toString();
}
