import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^"';]*?from\s+["'](\.{1,2}\/[^"']+)["']/g;

/** Every project file a module reaches through relative imports (type-only imports included). */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(join(ROOT, file), "utf8");
    for (const match of source.matchAll(IMPORT)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), match[1] as string)).replace(/\.js$/, ".ts");
      visit(target);
    }
  };
  visit(entry);
  return seen;
}

describe("the runtime never climbs back into handlers/", () => {
  // A cron firing goes scheduler → job runner → queue → prepare-run → run manager (ARCHITECTURE.md).
  const entries = [
    "runtime/cron/scheduler.ts",
    "runtime/cron/job-runner.ts",
    "runtime/queue/index.ts",
    "runtime/queue/prepare-run.ts",
    "runtime/runs/run-manager.ts",
  ];
  for (const entry of entries) {
    it(`${entry} reaches handlers/ only for capability types`, () => {
      const files = [...reachable(entry)];
      expect(files.length).toBeGreaterThan(1);
      const intoHandlers = files.filter((f) => f.startsWith("handlers/"));
      expect(intoHandlers.filter((f) => !f.startsWith("handlers/capabilities/"))).toEqual([]);
    });
  }

  it("a capability file reaches nothing of the HTTP layer", () => {
    const files = [
      ...reachable("handlers/capabilities/queue.ts"),
      ...reachable("handlers/capabilities/runs.ts"),
    ];
    expect(files.filter((f) => f.startsWith("handlers/") && !f.startsWith("handlers/capabilities/"))).toEqual(
      [],
    );
    expect(files.some((f) => f.startsWith("runtime/"))).toBe(false);
  });
});
