import type { CompiledSchedule } from "./schedule.js";

export interface DueTimes {
  /** Scheduled times in (after, until], oldest first; at most `cap`, the most recent ones. */
  times: Date[];
  /** True when earlier times than those listed were due too (the list was capped). */
  omitted: boolean;
}

/**
 * The scheduled times a job owes between its watermark and now. A gateway that was down for a day with a
 * per-second job owes 86,400: only the most recent `cap` are listed, found by walking back from `until`.
 */
export function dueTimes(schedule: CompiledSchedule, after: Date, until: Date, cap: number): DueTimes {
  const times: Date[] = [];
  let cursor = after;
  for (;;) {
    const next = schedule.next(cursor);
    if (!next || next.getTime() > until.getTime()) return { times, omitted: false };
    times.push(next);
    if (times.length > cap) break;
    cursor = next;
  }
  const recent = schedule
    .previous(cap, until)
    .filter((t) => t.getTime() > after.getTime())
    .reverse();
  return { times: recent, omitted: true };
}
