import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { DashboardFile } from "../../handlers/capabilities/static-assets.js";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Where the built dashboard lives: VIBEN_WEB_DIR, else dist/web beside the bundle (`npm start` runs
 * dist/node.js), else the repository's dist/web when the sources run directly (tests, `npm run dev`).
 */
export function dashboardDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VIBEN_WEB_DIR) return resolve(env.VIBEN_WEB_DIR);
  const here = dirname(fileURLToPath(import.meta.url));
  const besideBundle = join(here, "web");
  return existsSync(join(besideBundle, "index.html")) ? besideBundle : resolve(here, "../../dist/web");
}

/**
 * Reads a built dashboard file on each request (nothing held in memory; the OS caches the files): only
 * flat names of the folder itself, so no request reaches outside it.
 */
export function dashboardFiles(dir: () => string): (name: string) => Promise<DashboardFile | undefined> {
  return async (name) => {
    const contentType = CONTENT_TYPES[extname(name)];
    if (!contentType || name.includes("/") || name.includes("\\") || name.startsWith(".")) return undefined;
    const path = join(dir(), name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const body = await readFile(path).catch(() => undefined);
    if (!body) return undefined;
    return {
      body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
      contentType,
      etag: `W/"${info.size.toString(36)}-${Math.trunc(info.mtimeMs).toString(36)}"`,
    };
  };
}
