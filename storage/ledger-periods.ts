/**
 * Ledger periods are UTC calendar days and months: a budget's "today" starts at 00:00 UTC and its month
 * on the 1st at 00:00 UTC, whatever the machine's timezone, so restarts and moves never shift a boundary.
 */
export type Day = string; // YYYY-MM-DD
export type Month = string; // YYYY-MM

export const utcDay = (date: Date): Day => date.toISOString().slice(0, 10);
export const utcMonth = (date: Date): Month => date.toISOString().slice(0, 7);
export const monthOfDay = (day: Day): Month => day.slice(0, 7);

/** The log key of a month's rows (`<root>/ledger/YYYY-MM.jsonl` on the filesystem). */
export const ledgerKey = (month: Month): string => `ledger:${month}.jsonl`;

/** Whether `value` is a real calendar day written YYYY-MM-DD (2026-02-30 is not). */
export function isDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(date.getTime()) && utcDay(date) === value;
}

/** Days from `from` to `to`, both included (0 when `to` is before `from`). */
export function daysBetween(from: Day, to: Day): number {
  const ms = Date.parse(`${to}T00:00:00.000Z`) - Date.parse(`${from}T00:00:00.000Z`);
  return ms < 0 ? 0 : Math.round(ms / 86_400_000) + 1;
}

/** The months that the days `from`..`to` touch, oldest first. */
export function monthsBetween(from: Day, to: Day): Month[] {
  const months: Month[] = [];
  let [year, month] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  const last = monthOfDay(to);
  for (;;) {
    const key = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}`;
    if (key > last) return months;
    months.push(key);
    month = month === 12 ? 1 : month + 1;
    if (month === 1) year++;
  }
}
