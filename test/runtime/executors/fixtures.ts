import { chmod, mkdir, mkdtemp, realpath, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Real temporary directories standing in for HOME, PATH entries and workspaces. */
export class TempDirs {
  private readonly created: string[] = [];

  async make(prefix: string): Promise<string> {
    // realpath: macOS's /var is a symlink, and probe results carry resolved paths.
    const dir = await realpath(await mkdtemp(join(tmpdir(), `viben-exec-${prefix}-`)));
    this.created.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** Writes a file (creating parents), optionally with a fixed modification time in Unix seconds. */
export async function writeFileAt(path: string, content: string, mtimeSeconds?: number): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  if (mtimeSeconds !== undefined) await utimes(path, mtimeSeconds, mtimeSeconds);
  return path;
}

export async function writeJson(path: string, value: unknown): Promise<string> {
  return writeFileAt(path, JSON.stringify(value, null, 2));
}

/** A fake CLI: a shell script that would run if executed, with the given mode (0o755 by default). */
export async function makeExecutable(dir: string, name: string, mode = 0o755): Promise<string> {
  const path = await writeFileAt(join(dir, name), "#!/bin/sh\nexit 0\n");
  await chmod(path, mode);
  return path;
}

export async function makeDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  return path;
}

/** Server maps with the given names, as the CLIs write them. */
export function servers(...names: string[]): Record<string, { command: string }> {
  return Object.fromEntries(names.map((name) => [name, { command: `run-${name}` }]));
}
