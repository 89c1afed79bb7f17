import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { StaticAsset, StaticAssets } from "../../handlers/capabilities/static-assets.js";
import { dashboardDir, dashboardFiles } from "./dashboard-files.js";

/** The web dashboard's built files (runtime/node/dashboard-files.ts) and the Swagger UI files /docs uses, served from the installed, version-pinned swagger-ui-dist (no CDN). */
const DOCS_FILES: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

/**
 * Reads each file once, on its first request (nothing at start-up); only the names above, so a request can
 * never name another file.
 */
export function nodeStaticAssets(): StaticAssets {
  const cache = new Map<string, Promise<StaticAsset | undefined>>();
  let root: string | undefined;
  const packageRoot = () => {
    root ??= dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
    return root;
  };
  let webDir: string | undefined;
  return {
    dashboardFile: dashboardFiles(() => {
      webDir ??= dashboardDir();
      return webDir;
    }),
    docsAsset(name) {
      const contentType = DOCS_FILES[name];
      if (!contentType) return Promise.resolve(undefined);
      let pending = cache.get(name);
      if (!pending) {
        pending = readFile(join(packageRoot(), name)).then(
          (body) => ({ body: new Uint8Array(body), contentType }),
          (error: unknown) => {
            cache.delete(name);
            throw error;
          },
        );
        cache.set(name, pending);
      }
      return pending;
    },
  };
}
