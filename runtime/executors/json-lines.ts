import type { OutputParser } from "./adapter.js";
import type { PlainObject } from "./config-shapes.js";
import { asObject } from "./json-values.js";
import type { RunOutputs } from "./run-outputs.js";

/** What a JSON-lines CLI parser does with each event; it reports outputs through a RunOutputs. */
export interface JsonEventHandler {
  event(event: PlainObject): void;
  /** stdout ended: close what is still open, emit a result the CLI never prints. */
  end?(): void;
}

/** One stdout line as a JSON object; blank lines, banners, arrays and broken JSON are undefined. */
export function parseJsonObject(line: string): PlainObject | undefined {
  const text = line.trim();
  if (!text.startsWith("{")) return undefined;
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * An OutputParser for a CLI that prints one JSON event per line. Lines that are not JSON objects are
 * skipped, and a handler that trips over an unexpected shape loses that line only: a parser must never
 * take a run down because a CLI changed its output.
 */
export function jsonLinesParser(outputs: RunOutputs, handler: JsonEventHandler): OutputParser {
  const guarded = (step: () => void) => {
    try {
      step();
    } catch {
      // Outputs reported before the failure are kept; the rest of the line is dropped.
    }
    return outputs.drain();
  };
  return {
    line(text) {
      const event = parseJsonObject(text);
      return event ? guarded(() => handler.event(event)) : [];
    },
    end() {
      return guarded(() => handler.end?.());
    },
  };
}
