// `npm start` runs plain JavaScript: this bundles runtime/node.ts (and what it imports from handlers/ and
// storage/) into dist/ with esbuild, leaving npm packages external. It runs as `prestart` and does nothing
// when dist/ is newer than every source file and the lock file, so a start after an edit rebuilds once.
// `node scripts/build.mjs --force` always builds; `--out <dir>` builds elsewhere (tests).
import { readdir, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
const SOURCES = ["handlers", "runtime", "storage", "package.json", "package-lock.json"];
const { values } = parseArgs({
  options: { force: { type: "boolean", default: false }, out: { type: "string" } },
});
const outdir = resolve(ROOT, values.out ?? "dist");
const stampFile = join(outdir, ".build-stamp");

async function newestMtime(path) {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

const sourcesChanged = async () => {
  const built = (await stat(stampFile).catch(() => undefined))?.mtimeMs ?? 0;
  for (const source of SOURCES) if ((await newestMtime(join(ROOT, source))) > built) return true;
  return false;
};

if (values.force || (await sourcesChanged())) {
  await build({
    absWorkingDir: ROOT,
    entryPoints: ["runtime/node.ts"],
    outdir,
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: true,
    logLevel: "warning",
  });
  await writeFile(stampFile, `${new Date().toISOString()}\n`);
}
