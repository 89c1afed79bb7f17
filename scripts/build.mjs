// `npm start` runs plain JavaScript: this bundles runtime/node.ts with what it imports (handlers/, storage/
// and the npm packages) into dist/ with esbuild. One minified file starts far faster than hundreds of
// modules resolved and compiled one by one; what a request may never need (the AI SDK, the MCP and ACP
// SDKs, TOML, Swagger UI) sits behind dynamic imports, in chunks loaded on first use. It runs as `prestart` and does nothing
// when dist/ is newer than every source file and the lock file, so a start after an edit rebuilds once.
// `node scripts/build.mjs --force` always builds; `--out <dir>` builds elsewhere (tests).
import { readdir, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { sourcesNewerThan } from "./build-sources.mjs";
import { buildWeb } from "./build-web.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: { force: { type: "boolean", default: false }, out: { type: "string" } },
});
const outdir = resolve(ROOT, values.out ?? "dist");
const stampFile = join(outdir, ".build-stamp");

const sourcesChanged = async () =>
  sourcesNewerThan(ROOT, (await stat(stampFile).catch(() => undefined))?.mtimeMs ?? 0);

/**
 * zod bundles every locale's error messages behind `z.locales`, which nothing here uses: a quarter of what
 * start-up parses. Only English (zod's default) is kept.
 */
const englishOnlyZod = {
  name: "english-only-zod",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${join("node_modules", "zod")}`)
        ? { path: join(args.resolveDir, "../locales/en.js"), namespace: "zod-locales" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: ROOT,
    }));
  },
};

if (values.force || (await sourcesChanged())) {
  // Chunk names carry content hashes: without this, every build would leave the last one's chunks behind.
  // Only what a build writes is removed, whatever folder --out names.
  for (const entry of await readdir(outdir).catch(() => []))
    if (/\.(js|map|txt)$|^meta\.json$|^\.build-stamp$/.test(entry)) await rm(join(outdir, entry));
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ["runtime/node.ts"],
    outdir,
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Native addons load from node_modules at run time (on first terminal use).
    external: ["@lydell/node-pty"],
    // Bundled CommonJS packages call require() for Node's built-ins.
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
    },
    minify: true,
    // No keepNames: it wraps every function expression in a call that defines its `name` when created, so
    // every closure made per request (Hono alone makes ~15 per Context) cost an Object.defineProperty: a
    // third of a /health answer's CPU. Nothing here reads a function's or class's name; library errors that
    // name themselves after their class (`this.name = this.constructor.name`) print a minified name.
    sourcemap: true,
    legalComments: "linked",
    logLevel: "warning",
    metafile: true,
    plugins: [englishOnlyZod],
  });
  // The `viben` command (bin/viben.mjs runs dist/cli.js): built on its own so that the gateway's chunks, and
  // so what its start-up loads, stay exactly as they are; its command modules sit in cli-* chunks loaded on use.
  await build({
    absWorkingDir: ROOT,
    entryPoints: { cli: "cli/entry.ts" },
    outdir,
    bundle: true,
    splitting: true,
    chunkNames: "cli-[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node20",
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
    },
    minify: true,
    keepNames: true,
    sourcemap: true,
    legalComments: "linked",
    logLevel: "warning",
    plugins: [englishOnlyZod],
  });
  // The web dashboard, served from dist/web by the gateway (its own bundle: nothing of it loads at start).
  await buildWeb(join(outdir, "web"));
  // What each output file holds and imports (the tests check what start-up loads).
  await writeFile(join(outdir, "meta.json"), JSON.stringify(result.metafile));
  await writeFile(stampFile, `${new Date().toISOString()}\n`);
}
