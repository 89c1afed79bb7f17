import { join } from "node:path";
import { parseConfigText } from "./config-text.js";
import { isFile, listDirectory, readTextOrNull } from "./fs-checks.js";
import { locateAll, type PathRoots } from "./locations.js";
import type { ConfigLocation, McpConfigSource } from "./types.js";

/** MCP servers declared across an executor's configuration files; missing or malformed files count 0. */
export async function countMcpServers(
  sources: readonly McpConfigSource[],
  roots: PathRoots,
  workspacePath: string,
): Promise<number> {
  const counts = await Promise.all(
    locateAll(sources, roots).map(async ({ location, path }) => {
      const text = await readTextOrNull(path);
      if (text === null) return 0;
      const parsed = await parseConfigText(text, location.format);
      if (parsed === undefined) return 0;
      try {
        return location.countServers(parsed, { workspacePath });
      } catch {
        return 0;
      }
    }),
  );
  return sum(counts);
}

/** Sub-directories holding a SKILL.md across an executor's skill folders. */
export async function countSkills(dirs: readonly ConfigLocation[], roots: PathRoots): Promise<number> {
  const counts = await Promise.all(
    locateAll(dirs, roots).map(async ({ path }) => {
      const names = await listDirectory(path);
      // stat follows symlinks, so linked skill folders count; plain files fail with ENOTDIR and do not.
      const found = await Promise.all(names.map((name) => isFile(join(path, name, "SKILL.md"))));
      return found.filter(Boolean).length;
    }),
  );
  return sum(counts);
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
