import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import { basename, dirname, join } from "node:path";
import { assertOrdinaryFilesystem } from "../../storage/drivers/special-filesystems.js";
import { conflict } from "../../storage/errors.js";

/** An executor's config file as text, or null when it does not exist yet. */
export async function readConfigFile(path: string): Promise<string | null> {
  try {
    return await fsp.readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Replaces the file atomically (temp file beside it, fsync, rename), keeping its permission bits (Claude's
 * ~/.claude.json holds tokens and is 0600). A symbolic link is refused: renaming over it would replace the
 * link (a dotfile manager's) with a plain file, and following it could write outside HOME.
 */
export async function writeConfigFile(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  let mode = 0o600;
  try {
    const info = await fsp.lstat(path);
    if (info.isSymbolicLink()) {
      throw conflict("MCP_CONFIG_SYMLINK", `${path} is a symbolic link; edit the file it points to by hand`, {
        file: path,
      });
    }
    mode = info.mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await fsp.mkdir(dir, { recursive: true });
  await assertOrdinaryFilesystem(dir);
  const temp = join(dir, `.${basename(path)}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await fsp.open(temp, "wx", mode);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, path);
  } catch (error) {
    await fsp.rm(temp, { force: true });
    throw error;
  }
}
