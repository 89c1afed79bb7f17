import { invalid } from "./errors.js";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
/** Longest interval accepted (a year): beyond that a one-shot `at` says what is meant. */
export const MAX_DURATION_SECONDS = 366 * 86_400;

/**
 * A duration as people write it in gateway.yaml and cron jobs: seconds as a number (`90`), or a string of
 * number+unit parts (`"30s"`, `"5m"`, `"1h30m"`, `"1d"`). Whole seconds from 1 to a year.
 */
export function parseDuration(value: unknown, field: string): number {
  let seconds: number;
  if (typeof value === "number") {
    seconds = value;
  } else if (typeof value === "string" && /^\d+$/.test(value.trim())) {
    seconds = Number(value.trim());
  } else if (typeof value === "string" && /^(\d+\s*[smhd]\s*)+$/i.test(value.trim())) {
    seconds = 0;
    for (const [, amount, unit] of value.toLowerCase().matchAll(/(\d+)\s*([smhd])/g)) {
      seconds += Number(amount) * (UNIT_SECONDS[unit as string] ?? 0);
    }
  } else {
    throw invalid(
      field,
      `must be seconds or a duration like "30s", "5m", "1h30m", got ${JSON.stringify(value)}`,
    );
  }
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_DURATION_SECONDS) {
    throw invalid(field, `must be a whole number of seconds from 1 to ${MAX_DURATION_SECONDS}`, { value });
  }
  return seconds;
}

/** The shortest exact spelling: 300 → "5m", 5400 → "90m", 45 → "45s". */
export function formatDuration(seconds: number): string {
  for (const unit of ["d", "h", "m"] as const) {
    const size = UNIT_SECONDS[unit] as number;
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
