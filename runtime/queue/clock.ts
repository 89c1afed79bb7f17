/**
 * Time as the queue sees it: the current time and one-shot timers. Injected so that backoff, ordering
 * and waiting times are tested with a manual clock instead of sleeps.
 */
export interface QueueClock {
  now(): number;
  /** Calls `fire` after `delayMs`; the returned function cancels it. */
  setTimer(delayMs: number, fire: () => void): () => void;
}

export const systemQueueClock: QueueClock = {
  now: () => Date.now(),
  setTimer(delayMs, fire) {
    const timer = setTimeout(fire, Math.max(0, delayMs));
    // A pending retry must not keep the process alive on its own.
    timer.unref();
    return () => clearTimeout(timer);
  },
};
