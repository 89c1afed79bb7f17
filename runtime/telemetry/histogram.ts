import type { LatencyStats } from "../../handlers/capabilities/telemetry.js";

/** Latency buckets (upper bounds, seconds) for HTTP requests: sub-millisecond reads up to long chats. */
export const REQUEST_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
] as const;

/** Duration buckets (upper bounds, seconds) for agent runs. */
export const RUN_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;

/**
 * A fixed-bucket histogram: constant memory however many observations, exported as is to Prometheus,
 * and percentiles estimated by linear interpolation inside the bucket (as PromQL's histogram_quantile),
 * capped by the largest value seen.
 */
export class Histogram {
  /** Observations per bucket (not cumulative); the last slot is above every bound (+Inf). */
  readonly counts: number[];
  sum = 0;
  count = 0;
  max = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const v = Number.isFinite(value) && value > 0 ? value : 0;
    let i = 0;
    while (i < this.bounds.length && v > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.count++;
    if (v > this.max) this.max = v;
  }

  /** Estimated value below which a fraction `q` of observations fall (0 when empty). */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = q * this.count;
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const inBucket = this.counts[i]!;
      if (inBucket > 0 && seen + inBucket >= rank) {
        const lower = i === 0 ? 0 : this.bounds[i - 1]!;
        const upper = i < this.bounds.length ? this.bounds[i]! : this.max;
        const estimate = lower + (upper - lower) * ((rank - seen) / inBucket);
        return Math.min(estimate, this.max);
      }
      seen += inBucket;
    }
    return this.max;
  }

  /** Percentiles and mean, scaled (e.g. 1000 for milliseconds from seconds) and rounded to 3 decimals. */
  percentiles(scale = 1): LatencyStats {
    const round = (v: number) => Math.round(v * scale * 1000) / 1000;
    return {
      p50: round(this.quantile(0.5)),
      p90: round(this.quantile(0.9)),
      p99: round(this.quantile(0.99)),
      max: round(this.max),
      mean: round(this.count === 0 ? 0 : this.sum / this.count),
    };
  }
}
