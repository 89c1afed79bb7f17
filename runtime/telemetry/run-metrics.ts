import type { RunStats } from "../../handlers/capabilities/telemetry.js";
import type { RunSummary } from "../runs/run-hooks.js";
import { Histogram, RUN_BUCKETS } from "./histogram.js";
import type { ExpositionWriter } from "./prometheus.js";

interface ExecutorSeries {
  byStatus: Map<string, number>;
  duration: Histogram;
}

/** Finished runs per executor: counts by outcome and a duration histogram each, plus one over all. */
export class RunMetrics {
  private readonly byExecutor = new Map<string, ExecutorSeries>();
  private readonly all = new Histogram(RUN_BUCKETS);

  record(summary: RunSummary): void {
    let series = this.byExecutor.get(summary.executor);
    if (!series) {
      series = { byStatus: new Map(), duration: new Histogram(RUN_BUCKETS) };
      this.byExecutor.set(summary.executor, series);
    }
    series.byStatus.set(summary.status, (series.byStatus.get(summary.status) ?? 0) + 1);
    series.duration.observe(summary.duration_ms / 1000);
    this.all.observe(summary.duration_ms / 1000);
  }

  report(): RunStats {
    const byStatus: Record<string, number> = {};
    const byExecutor: RunStats["by_executor"] = {};
    for (const [executor, s] of [...this.byExecutor].sort(([a], [b]) => a.localeCompare(b))) {
      for (const [status, n] of s.byStatus) byStatus[status] = (byStatus[status] ?? 0) + n;
      byExecutor[executor] = {
        count: s.duration.count,
        by_status: Object.fromEntries(s.byStatus),
        duration_ms: s.duration.percentiles(1000),
      };
    }
    return {
      count: this.all.count,
      by_status: byStatus,
      duration_ms: this.all.percentiles(1000),
      by_executor: byExecutor,
    };
  }

  writeTo(out: ExpositionWriter): void {
    out.family("viben_runs_total", "counter", "Finished agent runs by executor and outcome.");
    for (const [executor, s] of this.byExecutor) {
      for (const [status, n] of s.byStatus) out.sample("viben_runs_total", { executor, status }, n);
    }
    out.family("viben_run_duration_seconds", "histogram", "Agent run duration by executor.");
    for (const [executor, s] of this.byExecutor) {
      out.histogram("viben_run_duration_seconds", { executor }, s.duration);
    }
  }
}
