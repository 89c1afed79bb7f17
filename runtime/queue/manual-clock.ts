import type { QueueClock } from "./clock.js";

interface PendingTimer {
  at: number;
  order: number;
  fire: () => void;
}

/** A clock that moves only when told to (tests and benches): `advance` fires due timers in time order. */
export class ManualClock implements QueueClock {
  private current: number;
  private timers: PendingTimer[] = [];
  private order = 0;

  constructor(start = Date.parse("2026-01-01T00:00:00Z")) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fire: () => void): () => void {
    const timer = { at: this.current + Math.max(0, delayMs), order: this.order++, fire };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.fire();
    }
    this.current = target;
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}
