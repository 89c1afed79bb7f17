import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

describe("runtime/worker.ts", () => {
  it("bundles with wrangler without any Node-only module", async () => {
    const out = await mkdtemp(join(tmpdir(), "viben-worker-"));
    try {
      await promisify(execFile)(
        join(ROOT, "node_modules/.bin/wrangler"),
        ["deploy", "--dry-run", "--outdir", out],
        {
          cwd: ROOT,
          env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
        },
      );
      const bundle = await readFile(join(out, "worker.js"), "utf8");
      for (const nodeOnly of ["node:fs", "node:child_process", "node-pty", "chokidar", "node:net"]) {
        expect(bundle).not.toContain(`from "${nodeOnly}"`);
        expect(bundle).not.toContain(`require("${nodeOnly}")`);
      }
      expect(bundle).toContain("NOT_SUPPORTED_IN_RUNTIME");
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);
});
