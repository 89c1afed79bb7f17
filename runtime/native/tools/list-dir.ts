import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { z } from "zod";
import { describeFsError } from "./fs-errors.js";
import { defineTool } from "./native-tool.js";
import { displayPath, resolveInWorkdir } from "./workdir-paths.js";

/** A huge directory (node_modules) would flood the context: list the first entries and say how many more. */
const MAX_ENTRIES = 1000;

export const listDirTool = defineTool({
  name: "list_dir",
  description:
    "List a directory inside the working directory (default: the working directory itself). Directories " +
    "end with '/', symbolic links with '@'.",
  schema: z.object({
    path: z.string().optional().describe("Directory path, relative to the working directory (default '.')"),
  }),
  async execute({ path = "." }, { workdir }) {
    const dir = await resolveInWorkdir(workdir, path);
    const shown = await displayPath(workdir, dir);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      return { isError: true, text: describeFsError(error, shown) };
    }
    const names = entries
      .map((entry) => entry.name + (entry.isDirectory() ? "/" : entry.isSymbolicLink() ? "@" : ""))
      .sort((a, b) => a.localeCompare(b));
    if (names.length === 0) return `${shown} is empty`;
    const listed = names.slice(0, MAX_ENTRIES).join("\n");
    return names.length > MAX_ENTRIES ? `${listed}\n[... and ${names.length - MAX_ENTRIES} more]` : listed;
  },
});
