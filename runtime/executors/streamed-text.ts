/**
 * Assistant text already streamed as deltas, so that the complete copy a CLI prints afterwards (Claude's
 * `assistant` line per content block) is not emitted twice. Matching is by text, not by message id:
 * Qwen Code streams a whole turn under its first message id and then prints blocks with new ids.
 */
export class StreamedText {
  private streamed = "";

  add(delta: string): void {
    this.streamed += delta;
  }

  /** A new model call starts: whatever an interrupted stream left behind no longer matches anything. */
  reset(): void {
    this.streamed = "";
  }

  /** The part of a complete text block that was not streamed yet; what it matches is consumed. */
  unstreamed(text: string): string {
    if (this.streamed === "") return text;
    if (this.streamed.startsWith(text)) {
      this.streamed = this.streamed.slice(text.length);
      return "";
    }
    const rest = text.startsWith(this.streamed) ? text.slice(this.streamed.length) : "";
    // On a mismatch the streamed version is what clients already saw; emitting the block again would
    // duplicate it.
    this.streamed = "";
    return rest;
  }
}
