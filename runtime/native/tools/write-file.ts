import { randomBytes } from "node:crypto";
import { chmod, mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { describeFsError } from "./fs-errors.js";
import { defineTool } from "./native-tool.js";
import { displayPath, resolveInWorkdir } from "./workdir-paths.js";

export const writeFileTool = defineTool({
  name: "write_file",
  description:
    "Create or overwrite a text file inside the working directory with the given content. Missing parent " +
    "directories are created. Paths are relative to the working directory.",
  schema: z.object({
    path: z.string().min(1).describe("File path, relative to the working directory"),
    content: z.string().describe("The complete new content of the file"),
  }),
  async execute({ path: requested, content }, { workdir }) {
    const file = await resolveInWorkdir(workdir, requested);
    const shown = await displayPath(workdir, file);
    const existing = await stat(file).catch(() => undefined);
    if (existing?.isDirectory()) return { isError: true, text: `${shown} is a directory` };
    const temp = path.join(
      path.dirname(file),
      `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`,
    );
    try {
      // Parents are created below the checked ancestor only, so they are real directories in the workdir.
      await mkdir(path.dirname(file), { recursive: true });
      // Temp file + rename: readers never see half a file, and a link at the path is replaced, not followed.
      await writeFile(temp, content, { flag: "wx" });
      if (existing) await chmod(temp, existing.mode & 0o7777);
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      return { isError: true, text: describeFsError(error, shown) };
    }
    return `wrote ${Buffer.byteLength(content)} bytes to ${shown}`;
  },
});
