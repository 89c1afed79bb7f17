import { describe, expect, it } from "vitest";
import { Histogram } from "../../../runtime/telemetry/histogram.js";
import { ExpositionWriter, escapeLabelValue } from "../../../runtime/telemetry/prometheus.js";
import { RequestMetrics } from "../../../runtime/telemetry/request-metrics.js";
import { parseExposition } from "../../helpers/prometheus.js";

describe("telemetry building blocks", () => {
  it("estimates percentiles from fixed buckets within the largest value seen", () => {
    const h = new Histogram([0.01, 0.1, 1]);
    for (let i = 1; i <= 100; i++) h.observe(i / 1000); // 1 ms .. 100 ms
    expect(h.count).toBe(100);
    expect(h.counts).toEqual([10, 90, 0, 0]);
    const p = h.percentiles(1000);
    expect(p.p50).toBeCloseTo(50, 0);
    expect(p.p99).toBeCloseTo(99, 0);
    expect(p.max).toBe(100);
    expect(p.mean).toBeCloseTo(50.5, 3);
    h.observe(5); // above every bound: the estimate stops at the maximum
    expect(h.quantile(1)).toBe(5);
    expect(new Histogram([1]).percentiles()).toEqual({ p50: 0, p90: 0, p99: 0, max: 0, mean: 0 });
  });

  it("keeps memory bounded: a fixed number of series, whatever the routes", () => {
    const metrics = new RequestMetrics();
    for (let i = 0; i < 2000; i++)
      metrics.record({ method: "GET", route: `/r/${i}`, status: 200, seconds: 0.001 });
    metrics.record({ method: "BREW", route: "/pot", status: 418, seconds: 0.001 });
    const report = metrics.report();
    expect(Object.keys(report).length).toBeLessThanOrEqual(502);
    expect(report["GET (other)"]?.count).toBe(1500);
    expect(report["OTHER (other)"]?.status_classes["4xx"]).toBe(1);
  });

  it("escapes label values and help text", () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const text = new ExpositionWriter()
      .family("x_total", "counter", "line one\nline \\ two")
      .sample("x_total", { v: 'q"' }, 1.5)
      .family("g", "gauge", "odd values")
      .sample("g", {}, Number.POSITIVE_INFINITY)
      .sample("g", { k: "nan" }, Number.NaN)
      .text();
    expect(text).toBe(
      '# HELP x_total line one\\nline \\\\ two\n# TYPE x_total counter\nx_total{v="q\\""} 1.5\n' +
        '# HELP g odd values\n# TYPE g gauge\ng +Inf\ng{k="nan"} NaN\n',
    );
    expect(parseExposition(text).get("x_total")?.samples[0]?.labels.v).toBe('q"');
  });
});
