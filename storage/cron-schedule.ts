import { formatDuration, parseDuration } from "./cron-durations.js";
import { invalid } from "./errors.js";

/**
 * A cron job's schedule. Stored and shown as one string so a YAML file stays readable:
 * `"*\/5 * * * *"` (a cron expression, 5 fields, or 6 with seconds first), `"every 5m"` (a fixed interval
 * counted from the job's creation), `"at 2026-12-01T09:00:00Z"` (once; without an offset the time is
 * read in the job's timezone).
 */
export type ScheduleSpec =
  | { kind: "cron"; expression: string }
  | { kind: "every"; seconds: number }
  | { kind: "at"; time: string };

const AT_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

function parseAtTime(raw: string, field: string): string {
  const time = raw.trim();
  const m = AT_TIME.exec(time);
  if (!m) throw invalid(field, `'at' needs an ISO time like 2026-12-01T09:00:00Z, got '${time}'`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((v) => Number(v ?? 0)) as number[];
  const probe = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  if (
    probe.getUTCMonth() !== month! - 1 ||
    probe.getUTCDate() !== day! ||
    probe.getUTCHours() !== hour! ||
    probe.getUTCMinutes() !== minute!
  ) {
    throw invalid(field, `'${time}' is not a valid date and time`);
  }
  return time;
}

/** Reads the string form or the object forms `{"cron"}`, `{"every": "5m" | 300}`, `{"at"}`. */
export function parseSchedule(value: unknown, field = "schedule"): ScheduleSpec {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    const [key, inner] = entries[0] ?? [];
    if (entries.length !== 1 || !["cron", "every", "at"].includes(key ?? "")) {
      throw invalid(field, 'must be a string or one of {"cron": …}, {"every": …}, {"at": …}');
    }
    if (key === "every") return { kind: "every", seconds: parseDuration(inner, `${field}.every`) };
    if (typeof inner !== "string") throw invalid(`${field}.${key}`, "must be a string");
    return key === "at"
      ? { kind: "at", time: parseAtTime(inner, `${field}.at`) }
      : parseSchedule(inner, `${field}.cron`);
  }
  if (typeof value !== "string")
    throw invalid(field, 'must be a string such as "0 9 * * *", "every 5m" or "at 2026-12-01T09:00:00Z"');
  const text = value.trim().replace(/\s+/g, " ");
  if (text.length === 0) throw invalid(field, "must not be empty");
  if (text.length > 200) throw invalid(field, "must be at most 200 characters");
  const lower = text.toLowerCase();
  if (lower.startsWith("every ")) return { kind: "every", seconds: parseDuration(text.slice(6), field) };
  if (lower.startsWith("at ")) return { kind: "at", time: parseAtTime(text.slice(3), field) };
  return { kind: "cron", expression: text };
}

export function formatSchedule(spec: ScheduleSpec): string {
  if (spec.kind === "every") return `every ${formatDuration(spec.seconds)}`;
  if (spec.kind === "at") return `at ${spec.time}`;
  return spec.expression;
}

/** The gateway's own timezone (the TZ environment variable, else the system's), used when a job names none. */
export function gatewayTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** An IANA timezone in its canonical spelling (`europe/berlin` → `Europe/Berlin`), or a validation error. */
export function resolveTimeZone(value: unknown, field = "timezone"): string {
  if (typeof value !== "string" || value.trim().length === 0) {
    throw invalid(field, "must be an IANA timezone name such as Europe/Berlin");
  }
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: value.trim() }).resolvedOptions().timeZone;
  } catch {
    throw invalid(field, `unknown timezone '${value}' (use an IANA name such as Europe/Berlin)`, { value });
  }
}
