// What the build is made from: `npm start`'s prestart (scripts/build.mjs) and the `viben` command
// (bin/viben.mjs) rebuild dist/ when any of these is newer than its last build.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const BUILD_SOURCES = [
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

/** Whether any build source under `root` changed after `time` (ms; 0 when never built). */
export function sourcesNewerThan(root, time) {
  return BUILD_SOURCES.some((source) => newerThan(join(root, source), time));
}
