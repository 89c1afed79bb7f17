import type { Logger } from "../handlers/capabilities/logger.js";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/** JSON-lines logger. Callers pass structured fields; secrets are never among them. */
export function createJsonLogger(
  level: LogLevel = "info",
  write: (line: string) => void = writeStderr,
): Logger {
  const threshold = LEVELS[level] ?? LEVELS.info;
  const emit = (lvl: Exclude<LogLevel, "silent">) => (fields: Record<string, unknown>) => {
    if (LEVELS[lvl] < threshold) return;
    write(JSON.stringify({ ts: new Date().toISOString(), level: lvl, ...fields }));
  };
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}

function writeStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function parseLogLevel(value: string | undefined): LogLevel {
  return value && value in LEVELS ? (value as LogLevel) : "info";
}
