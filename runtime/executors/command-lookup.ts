import { delimiter, isAbsolute, join, resolve } from "node:path";
import type { ExecutorOverride } from "../../storage/executor-overrides.js";
import { isExecutableFile } from "./fs-checks.js";
import type { EnvRecord } from "./locations.js";

/**
 * Absolute path of the executable to run: the override's `command` when one is set (an absolute path,
 * `~/...`, a path relative to HOME, or a bare name searched on PATH), else the first of the executor's
 * binary names found on PATH. Undefined when nothing executable is found.
 */
export async function resolveExecutorCommand(
  binaries: readonly string[],
  override: ExecutorOverride | null,
  home: string,
  env: EnvRecord,
): Promise<string | undefined> {
  const command = override?.command?.trim();
  if (!command) return findOnPath(binaries, env);
  if (!looksLikePath(command)) return findOnPath([command], env);
  const path = command.startsWith("~/") ? join(home, command.slice(2)) : resolve(home, command);
  return (await isExecutableFile(path)) ? path : undefined;
}

function looksLikePath(command: string): boolean {
  return isAbsolute(command) || command.includes("/") || command.includes("\\");
}

/** The first name found in the PATH directories, searched in PATH order for each name in turn. */
export async function findOnPath(names: readonly string[], env: EnvRecord): Promise<string | undefined> {
  const pathValue = env.PATH ?? env.Path ?? "";
  const dirs = pathValue.split(delimiter).filter((dir) => isAbsolute(dir));
  const extensions = executableExtensions(env);
  for (const name of names) {
    for (const dir of dirs) {
      for (const extension of extensions) {
        const candidate = join(dir, name + extension);
        if (await isExecutableFile(candidate)) return candidate;
      }
    }
  }
  return undefined;
}

/** Windows finds `claude.cmd` for `claude`; elsewhere the name is the file name. */
function executableExtensions(env: EnvRecord): string[] {
  if (process.platform !== "win32") return [""];
  return ["", ...(env.PATHEXT ?? ".EXE;.CMD;.BAT;.COM").split(";").filter(Boolean)];
}
