import type { Logger } from "../../handlers/capabilities/logger.js";

/**
 * The last log lines in memory, for /diag and its bundle (the gateway logs to stderr only): a ring of
 * recent lines of every level and a smaller one of warnings and errors, both bounded.
 */
export class LogRing {
  private readonly lines: string[] = [];
  private readonly problems: Record<string, unknown>[] = [];

  constructor(
    private readonly maxLines = 1000,
    private readonly maxProblems = 100,
  ) {}

  record(level: "info" | "warn" | "error", fields: Record<string, unknown>): void {
    const entry = { ts: new Date().toISOString(), level, ...fields };
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch {
      line = JSON.stringify({ ts: entry.ts, level, msg: String(fields.msg ?? "unserialisable log entry") });
    }
    push(this.lines, line, this.maxLines);
    if (level !== "info") push(this.problems, JSON.parse(line) as Record<string, unknown>, this.maxProblems);
  }

  recent(): string[] {
    return [...this.lines];
  }

  errors(): Record<string, unknown>[] {
    return [...this.problems];
  }
}

function push<T>(ring: T[], item: T, max: number): void {
  ring.push(item);
  if (ring.length > max) ring.splice(0, ring.length - max);
}

/** A logger that also keeps what it logs in the ring. */
export function ringLogger(inner: Logger, ring: LogRing): Logger {
  return {
    info: (fields) => {
      ring.record("info", fields);
      inner.info(fields);
    },
    warn: (fields) => {
      ring.record("warn", fields);
      inner.warn(fields);
    },
    error: (fields) => {
      ring.record("error", fields);
      inner.error(fields);
    },
  };
}
