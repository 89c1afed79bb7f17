import { lstat, realpath } from "node:fs/promises";
import path from "node:path";

/**
 * Resolves a path the model gave against the run's workdir and refuses it when it lands outside: through
 * `..`, as an absolute path elsewhere, or through a symbolic link that points out. Symlinks are judged by
 * the real path of the nearest existing ancestor, and the caller must use the returned path (not the
 * given one), so what is checked is what is touched.
 */
export async function resolveInWorkdir(workdir: string, requested: string): Promise<string> {
  if (requested.includes("\0")) throw new Error("path must not contain NUL characters");
  const root = await realpath(workdir);
  const target = path.resolve(workdir, requested);

  // Walk up to the nearest entry that exists (lstat: a dangling link exists), keeping the missing tail.
  let existing = target;
  const missing: string[] = [];
  while (!(await exists(existing))) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    missing.unshift(path.basename(existing));
    existing = parent;
  }
  let real: string;
  try {
    real = await realpath(existing);
  } catch {
    throw new Error(`path '${requested}' goes through a broken symbolic link`);
  }
  const resolved = path.join(real, ...missing);
  if (!isInside(root, resolved)) {
    throw new Error(
      `path '${requested}' is outside the working directory ${workdir}; file tools only reach files inside it`,
    );
  }
  return resolved;
}

/** The path as the model should see it: relative to the workdir ("." for the workdir itself). */
export async function displayPath(workdir: string, resolved: string): Promise<string> {
  const root = await realpath(workdir);
  return path.relative(root, resolved) || ".";
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative === "" ||
    (!relative.startsWith(`..${path.sep}`) && relative !== ".." && !path.isAbsolute(relative))
  );
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw error;
  }
}
