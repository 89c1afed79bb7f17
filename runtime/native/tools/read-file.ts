import { open } from "node:fs/promises";
import { z } from "zod";
import { describeFsError } from "./fs-errors.js";
import { defineTool } from "./native-tool.js";
import { displayPath, resolveInWorkdir } from "./workdir-paths.js";

/** Larger files are cut: the model can read a slice with run_shell (sed, head) when it needs more. */
const MAX_READ_BYTES = 256 * 1024;

export const readFileTool = defineTool({
  name: "read_file",
  description:
    "Read a UTF-8 text file inside the working directory. Paths are relative to the working directory. " +
    `Files larger than ${MAX_READ_BYTES / 1024} KiB are cut.`,
  schema: z.object({ path: z.string().min(1).describe("File path, relative to the working directory") }),
  async execute({ path }, { workdir }) {
    const file = await resolveInWorkdir(workdir, path);
    const shown = await displayPath(workdir, file);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(file, "r");
    } catch (error) {
      return { isError: true, text: describeFsError(error, shown) };
    }
    try {
      const info = await handle.stat();
      if (info.isDirectory()) return { isError: true, text: `${shown} is a directory; use list_dir` };
      const buffer = Buffer.alloc(Math.min(info.size, MAX_READ_BYTES));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      const content = buffer.subarray(0, bytesRead);
      // A NUL byte early on means binary: its bytes would only be noise to the model.
      if (content.subarray(0, 8192).includes(0))
        return `${shown} is a binary file (${info.size} bytes); not shown`;
      const text = content.toString("utf8");
      return info.size > bytesRead
        ? `${text}\n[... cut: showing the first ${bytesRead} of ${info.size} bytes]`
        : text;
    } catch (error) {
      return { isError: true, text: describeFsError(error, shown) };
    } finally {
      await handle.close();
    }
  },
});
