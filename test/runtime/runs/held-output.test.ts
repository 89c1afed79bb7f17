import { describe, expect, it } from "vitest";
import type { AgentOutput } from "../../../runtime/executors/adapter.js";
import { HeldOutput } from "../../../runtime/runs/held-output.js";

describe("a run's held output", () => {
  it("keeps what arrives before the run is announced, then passes everything on in order", () => {
    const delivered: AgentOutput[] = [];
    const output = new HeldOutput((out) => delivered.push(out));
    output.push({ kind: "delta", text: "a" });
    output.push({ kind: "delta", text: "b" });
    expect(delivered).toEqual([]);
    output.release();
    output.push({ kind: "delta", text: "c" });
    expect(delivered.map((out) => (out.kind === "delta" ? out.text : out.kind))).toEqual(["a", "b", "c"]);
  });
});
