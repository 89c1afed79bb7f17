import { Cron } from "croner";
import { LRUCache } from "lru-cache";
import { formatSchedule, parseSchedule, type ScheduleSpec } from "../../storage/cron-schedule.js";
import { invalid } from "../../storage/errors.js";

/** Scheduled times of one job, computed (never counted by timers, so restarts and sleeps cannot drift them). */
export interface CompiledSchedule {
  readonly spec: ScheduleSpec;
  /** The canonical string form. */
  readonly text: string;
  /** The first scheduled time strictly after `after`, or null when none is left. */
  next(after: Date): Date | null;
  /** Up to `n` scheduled times at or before `atOrBefore`, most recent first. */
  previous(n: number, atOrBefore: Date): Date[];
}

const cronMessage = (error: unknown) =>
  String((error as Error).message ?? error).replace(/^Cron(Pattern|Date)?:\s*/, "");

/**
 * Compiled croner patterns, shared by jobs with the same expression and timezone and kept for the most
 * recently used ones only: a croner pattern holds its year table (~80 KB), so 10,000 jobs each holding
 * their own would cost most of a gigabyte. Evicted patterns are compiled again when next needed.
 */
const PATTERN_CACHE_SIZE = 512;
const patterns = new LRUCache<string, Cron>({ max: PATTERN_CACHE_SIZE });

function pattern(expression: string, timezone: string): Cron {
  const key = `${timezone}\u0000${expression}`;
  const cached = patterns.get(key);
  if (cached) return cached;
  // No callback: croner only computes times here; the scheduler's single timer does the waiting.
  const compiled = new Cron(expression, { timezone });
  patterns.set(key, compiled);
  return compiled;
}

function cronSchedule(spec: Extract<ScheduleSpec, { kind: "cron" }>, timezone: string): CompiledSchedule {
  try {
    pattern(spec.expression, timezone).nextRun(new Date());
  } catch (error) {
    throw invalid("schedule", `invalid cron expression '${spec.expression}': ${cronMessage(error)}`);
  }
  return {
    spec,
    text: formatSchedule(spec),
    next: (after) => pattern(spec.expression, timezone).nextRun(after) ?? null,
    previous: (n, atOrBefore) =>
      pattern(spec.expression, timezone).previousRuns(n, new Date(atOrBefore.getTime() + 1)),
  };
}

/** Every `seconds`, counted from the anchor (the job's creation): anchor + k·interval, k ≥ 1. */
function intervalSchedule(spec: Extract<ScheduleSpec, { kind: "every" }>, anchor: Date): CompiledSchedule {
  const period = spec.seconds * 1000;
  const start = anchor.getTime();
  return {
    spec,
    text: formatSchedule(spec),
    next: (after) =>
      new Date(start + Math.max(1, Math.floor((after.getTime() - start) / period) + 1) * period),
    previous: (n, atOrBefore) => {
      const times: Date[] = [];
      for (let k = Math.floor((atOrBefore.getTime() - start) / period); k >= 1 && times.length < n; k--) {
        times.push(new Date(start + k * period));
      }
      return times;
    },
  };
}

function onceSchedule(spec: Extract<ScheduleSpec, { kind: "at" }>, timezone: string): CompiledSchedule {
  let instant: number;
  try {
    // croner reads a time without an offset in the job's timezone (DST included).
    const when = new Cron(spec.time, { timezone }).nextRun(new Date(0));
    if (!when) throw new Error("not a valid time");
    instant = when.getTime();
  } catch (error) {
    throw invalid("schedule", `invalid time '${spec.time}': ${cronMessage(error)}`);
  }
  return {
    spec,
    text: formatSchedule(spec),
    next: (after) => (after.getTime() < instant ? new Date(instant) : null),
    previous: (n, atOrBefore) => (n > 0 && atOrBefore.getTime() >= instant ? [new Date(instant)] : []),
  };
}

/** Compiles a stored schedule string in a timezone; bad input is a validation error naming `schedule`. */
export function compileSchedule(schedule: unknown, timezone: string, anchor: Date): CompiledSchedule {
  const spec = parseSchedule(schedule);
  if (spec.kind === "every") return intervalSchedule(spec, anchor);
  if (spec.kind === "at") return onceSchedule(spec, timezone);
  return cronSchedule(spec, timezone);
}

/** The next `n` scheduled times after `after`. */
export function nextTimes(schedule: CompiledSchedule, n: number, after: Date): Date[] {
  const times: Date[] = [];
  let cursor: Date | null = after;
  while (times.length < n && cursor) {
    cursor = schedule.next(cursor);
    if (cursor) times.push(cursor);
  }
  return times;
}
