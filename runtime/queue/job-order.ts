/** A queued job's place in run order: higher priority first, then enqueue order (FIFO). */
export interface Ordered {
  seq: number;
  job: { priority?: number };
}

export function runOrder(a: Ordered, b: Ordered): number {
  return (b.job.priority ?? 0) - (a.job.priority ?? 0) || a.seq - b.seq;
}

/** Inserts into an array kept in run order (binary search, so enqueueing stays cheap with many jobs). */
export function insertOrdered<T extends Ordered>(list: T[], item: T): void {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (runOrder(list[mid]!, item) <= 0) low = mid + 1;
    else high = mid;
  }
  list.splice(low, 0, item);
}

export function removeItem<T>(list: T[], item: T): boolean {
  const index = list.indexOf(item);
  if (index === -1) return false;
  list.splice(index, 1);
  return true;
}
