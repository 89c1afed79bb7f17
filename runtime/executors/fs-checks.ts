import { constants, promises as fsp, type Stats } from "node:fs";

/** Small filesystem questions the probe asks; each answers "no" (or null) instead of throwing. */

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await fsp.stat(path);
  } catch {
    return null;
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  return (await statOrNull(path))?.isDirectory() ?? false;
}

export async function isFile(path: string): Promise<boolean> {
  return (await statOrNull(path))?.isFile() ?? false;
}

export async function exists(path: string): Promise<boolean> {
  return (await statOrNull(path)) !== null;
}

/** A regular file the current user may execute (symlinks followed, as a shell would). */
export async function isExecutableFile(path: string): Promise<boolean> {
  if (!(await isFile(path))) return false;
  try {
    await fsp.access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Modification time in whole Unix seconds, or null when the file is absent. */
export async function fileMtimeSeconds(path: string): Promise<number | null> {
  const stats = await statOrNull(path);
  return stats?.isFile() ? Math.floor(stats.mtimeMs / 1000) : null;
}

export async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await fsp.readFile(path, "utf8");
  } catch {
    return null;
  }
}

/** Names of the entries of a directory, or none when it cannot be read. */
export async function listDirectory(path: string): Promise<string[]> {
  try {
    return await fsp.readdir(path);
  } catch {
    return [];
  }
}
