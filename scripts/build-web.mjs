// The web dashboard (web/, Preact in TSX) bundled by esbuild into dist/web/: hashed file names served
// under /ui/ and an index.html naming them, served at /. Built ahead of time (npm start's prestart, the
// browser tests' global setup), never at request time. `node scripts/build-web.mjs [--out <dir>]`.
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");

/** Builds the dashboard into `outdir` (dist/web by default), replacing the previous build's files. */
export async function buildWeb(outdir = resolve(ROOT, "dist/web")) {
  await mkdir(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ["web/main.tsx"],
    outdir: join(outdir, ".next"),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: ["chrome115", "firefox115", "safari16"],
    jsx: "automatic",
    jsxImportSource: "preact",
    entryNames: "[name]-[hash]",
    chunkNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    minify: true,
    sourcemap: true,
    legalComments: "linked",
    metafile: true,
    logLevel: "warning",
    loader: { ".woff2": "file", ".svg": "file", ".png": "file" },
  });
  const outputs = Object.entries(result.metafile.outputs);
  const entry = outputs.find(([, o]) => o.entryPoint === "web/main.tsx");
  if (!entry) throw new Error("the web build produced no entry file");
  const script = basename(entry[0]);
  const style = entry[1].cssBundle ? basename(entry[1].cssBundle) : undefined;
  // The new files land in a side folder first, then replace the old ones: a page loaded during a build
  // still finds the files its index names.
  const staged = join(outdir, ".next");
  const fresh = new Set(await readdir(staged));
  for (const name of fresh) await rm(join(outdir, name), { force: true });
  for (const name of fresh) await rename(join(staged, name), join(outdir, name));
  await rm(staged, { recursive: true, force: true });
  await writeFile(join(outdir, "index.html"), indexHtml(script, style));
  for (const name of await readdir(outdir))
    if (name !== "index.html" && !fresh.has(name))
      await rm(join(outdir, name), { recursive: true, force: true });
  return { outdir, script, style };
}

function indexHtml(script, style) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Viben Gateway</title>
${style ? `<link rel="stylesheet" href="/ui/${style}">\n` : ""}<script type="module" src="/ui/${script}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Viben dashboard needs JavaScript; the API is documented at <a href="/docs">/docs</a>.</noscript>
</body>
</html>
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  const built = await buildWeb(values.out ? resolve(values.out) : undefined);
  console.log(`dashboard built into ${built.outdir}`);
}
