import type { RequestSample, RouteStats } from "../../handlers/capabilities/telemetry.js";
import { Histogram, REQUEST_BUCKETS } from "./histogram.js";
import type { ExpositionWriter } from "./prometheus.js";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** Series beyond this many (method, route) pairs are folded into one, so memory stays bounded. */
const MAX_SERIES = 500;
const OVERFLOW_ROUTE = "(other)";

interface RouteSeries {
  method: string;
  route: string;
  statusClasses: Map<string, number>;
  latency: Histogram;
}

/** Requests per (method, route pattern): counts by status class and a latency histogram each. */
export class RequestMetrics {
  private readonly series = new Map<string, RouteSeries>();

  record(sample: RequestSample): void {
    const method = METHODS.has(sample.method) ? sample.method : "OTHER";
    const series = this.seriesOf(method, sample.route);
    const statusClass = `${Math.floor(sample.status / 100)}xx`;
    series.statusClasses.set(statusClass, (series.statusClasses.get(statusClass) ?? 0) + 1);
    series.latency.observe(sample.seconds);
  }

  /** Per `"METHOD route"`: count, status classes (2xx, 4xx, 5xx always present) and latency in ms. */
  report(): Record<string, RouteStats> {
    const report: Record<string, RouteStats> = {};
    for (const [key, s] of [...this.series].sort(([a], [b]) => a.localeCompare(b))) {
      report[key] = {
        method: s.method,
        route: s.route,
        count: s.latency.count,
        status_classes: { "2xx": 0, "4xx": 0, "5xx": 0, ...Object.fromEntries(s.statusClasses) },
        latency_ms: s.latency.percentiles(1000),
      };
    }
    return report;
  }

  writeTo(out: ExpositionWriter): void {
    const all = [...this.series.values()];
    out.family(
      "viben_http_requests_total",
      "counter",
      "HTTP requests by method, route pattern and status class.",
    );
    for (const s of all) {
      for (const [statusClass, count] of s.statusClasses) {
        out.sample(
          "viben_http_requests_total",
          { method: s.method, route: s.route, status_class: statusClass },
          count,
        );
      }
    }
    out.family(
      "viben_http_request_duration_seconds",
      "histogram",
      "Time to the response (headers, for streams) by method and route pattern.",
    );
    for (const s of all) {
      out.histogram("viben_http_request_duration_seconds", { method: s.method, route: s.route }, s.latency);
    }
  }

  private seriesOf(method: string, route: string): RouteSeries {
    let key = `${method} ${route}`;
    let series = this.series.get(key);
    if (series) return series;
    if (this.series.size >= MAX_SERIES) {
      key = `${method} ${OVERFLOW_ROUTE}`;
      series = this.series.get(key);
      if (series) return series;
      route = OVERFLOW_ROUTE;
    }
    series = { method, route, statusClasses: new Map(), latency: new Histogram(REQUEST_BUCKETS) };
    this.series.set(key, series);
    return series;
  }
}
