#!/usr/bin/env node
// The `viben` command. It runs the bundled CLI (dist/cli.js). In a clone (sources beside dist/) it first
// rebuilds dist/ when any source is newer than the last build, as `npm start`'s prestart does, so an edit
// never runs stale code; an installed package without sources runs dist/ as shipped.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const buildScript = join(root, "scripts", "build.mjs");
if (existsSync(buildScript) && existsSync(join(root, "cli"))) {
  let built = 0;
  try {
    built = statSync(join(root, "dist", ".build-stamp")).mtimeMs;
  } catch {}
  const { sourcesNewerThan } = await import(pathToFileURL(join(root, "scripts", "build-sources.mjs")).href);
  if (sourcesNewerThan(root, built)) {
    // Build output goes to stderr: stdout stays the command's own (scripts parse --json).
    const result = spawnSync(process.execPath, [buildScript], { stdio: ["ignore", 2, 2] });
    if (result.status !== 0) {
      process.stderr.write("viben: building dist/ failed (node scripts/build.mjs)\n");
      process.exit(result.status ?? 1);
    }
  }
}

await import(pathToFileURL(join(root, "dist", "cli.js")).href);
