/**
 * Caps text sent back to the model: tool output can be huge (a build log, a binary file) and every byte
 * is paid for on each later turn. Keeps the head and the tail, where errors and summaries usually are.
 */
export function capText(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  const buffer = Buffer.from(text);
  const half = Math.floor(maxBytes / 2);
  // Decoding a cut multi-byte character yields U+FFFD, which is harmless here.
  const head = buffer.subarray(0, half).toString("utf8");
  const tail = buffer.subarray(bytes - half).toString("utf8");
  return `${head}\n[... ${bytes - 2 * half} bytes omitted ...]\n${tail}`;
}
