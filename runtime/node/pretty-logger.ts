import type { Logger } from "../../handlers/capabilities/logger.js";
import { createJsonLogger, type LogLevel, parseLogLevel } from "../logger.js";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
const ANSI = {
  reset: "\u001b[0m",
  dim: "\u001b[2m",
  bold: "\u001b[1m",
  red: "\u001b[31m",
  green: "\u001b[32m",
  yellow: "\u001b[33m",
  cyan: "\u001b[36m",
};

type Paint = (code: keyof typeof ANSI, text: string) => string;

function formatValue(value: unknown): string {
  if (typeof value === "string") return /[\s"=]/.test(value) || value === "" ? JSON.stringify(value) : value;
  if (value === undefined) return "-";
  return JSON.stringify(value);
}

/** Colour of a run line by how the run went. */
function runColor(msg: string): keyof typeof ANSI | undefined {
  if (msg === "run started") return "cyan";
  if (msg === "run completed") return "green";
  if (msg === "run failed" || msg === "run timed out") return "red";
  if (msg === "run stopped") return "yellow";
  return undefined;
}

/**
 * One line per entry for a person at a terminal: `12:01:02 INFO  run completed agent=coder exit_code=0 …`,
 * coloured unless NO_COLOR. The fields are the JSON logger's, in the same order.
 */
export function createPrettyLogger(
  level: LogLevel = "info",
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  color = true,
): Logger {
  const threshold = LEVELS[level] ?? LEVELS.info;
  const paint: Paint = (code, text) => (color ? `${ANSI[code]}${text}${ANSI.reset}` : text);
  const emit = (lvl: "info" | "warn" | "error") => (fields: Record<string, unknown>) => {
    if (LEVELS[lvl] < threshold) return;
    const { msg, ...rest } = fields;
    const time = new Date().toISOString().slice(11, 19);
    const label =
      lvl === "info"
        ? paint("green", "INFO ")
        : lvl === "warn"
          ? paint("yellow", "WARN ")
          : paint("red", "ERROR");
    const message = String(msg ?? "");
    const tint = runColor(message);
    const text = tint ? paint(tint, paint("bold", message)) : paint("bold", message);
    const pairs = Object.entries(rest)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${paint("dim", `${key}=`)}${formatValue(value)}`);
    write([paint("dim", time), label, text, ...pairs].join(" "));
  };
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/**
 * The gateway's logger: readable lines when stderr is a terminal, JSON lines otherwise (files, journald,
 * collectors). VIBEN_LOG_FORMAT=json|pretty chooses either way.
 */
export function createNodeLogger(env: Readonly<Record<string, string | undefined>>): Logger {
  const level = parseLogLevel(env.VIBEN_LOG_LEVEL);
  const format = env.VIBEN_LOG_FORMAT ?? (process.stderr.isTTY ? "pretty" : "json");
  return format === "pretty" ? createPrettyLogger(level, undefined, !env.NO_COLOR) : createJsonLogger(level);
}
