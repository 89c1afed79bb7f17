#!/usr/bin/env node
// The `viben` command. It runs the bundled CLI (dist/cli.js). In a clone (sources beside dist/) it first
// rebuilds dist/ when any source is newer than the last build, as `npm start`'s prestart does, so an edit
// never runs stale code; an installed package without sources runs dist/ as shipped.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const buildScript = join(root, "scripts", "build.mjs");
// Keep in step with SOURCES in scripts/build.mjs.
const SOURCES = [
  "cli",
  "client",
  "handlers",
  "runtime",
  "storage",
  "web",
  "package.json",
  "package-lock.json",
];

function newerThan(path, time) {
  let info;
  try {
    info = statSync(path);
  } catch {
    return false;
  }
  if (info.mtimeMs > time) return true;
  if (!info.isDirectory()) return false;
  for (const entry of readdirSync(path)) if (newerThan(join(path, entry), time)) return true;
  return false;
}

if (existsSync(buildScript) && existsSync(join(root, "cli"))) {
  let built = 0;
  try {
    built = statSync(join(root, "dist", ".build-stamp")).mtimeMs;
  } catch {}
  if (SOURCES.some((source) => newerThan(join(root, source), built))) {
    // Build output goes to stderr: stdout stays the command's own (scripts parse --json).
    const result = spawnSync(process.execPath, [buildScript], { stdio: ["ignore", 2, 2] });
    if (result.status !== 0) {
      process.stderr.write("viben: building dist/ failed (node scripts/build.mjs)\n");
      process.exit(result.status ?? 1);
    }
  }
}

await import(pathToFileURL(join(root, "dist", "cli.js")).href);
