// Copies the files the Worker serves as static assets (wrangler.toml [assets]) into dist/edge-assets:
// Swagger UI for /docs from the installed, version-pinned swagger-ui-dist, so the edge's docs work offline too.
// wrangler runs this before `wrangler dev` and `wrangler deploy` ([build] command).
import { copyFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const from = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const to = join(root, "dist/edge-assets/docs/assets");
await mkdir(to, { recursive: true });
// The same names runtime/node/docs-assets.ts serves on Node.
for (const name of ["swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"]) {
  await copyFile(join(from, name), join(to, name));
}
