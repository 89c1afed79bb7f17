import type { Services } from "../context.js";
import { badRequest } from "../errors.js";
import { normalizeAbsolutePath, pathProblem } from "./paths.js";

function isWithin(path: string, root: string): boolean {
  const base = root.endsWith("/") ? root : `${root}/`;
  return path === root || path.startsWith(base);
}

/**
 * A directory a client asks to work in (a run's workdir, a terminal's cwd): absolute, existing, and —
 * symbolic links resolved — inside one of `roots`. Errors name the field: `INVALID_<FIELD>`,
 * `<FIELD>_NOT_FOUND`, `<FIELD>_NOT_ALLOWED` (with `outside` saying what the roots are).
 */
export async function resolveAllowedDirectory(
  services: Services,
  raw: string,
  roots: string[],
  options: { field: "workdir" | "cwd"; outside: string },
): Promise<string> {
  const { field } = options;
  const code = field.toUpperCase();
  const problem = pathProblem(raw);
  if (problem) throw badRequest(`INVALID_${code}`, `${field}: ${problem}`, { field, value: raw });
  const dir = normalizeAbsolutePath(raw);
  if (!(await services.paths.isDirectory(dir))) {
    throw badRequest(`${code}_NOT_FOUND`, `${field}: directory does not exist: ${dir}`, { field });
  }
  const real = await services.paths.realpath(dir);
  for (const root of roots) {
    if (isWithin(real, await services.paths.realpath(normalizeAbsolutePath(root)))) return dir;
  }
  throw badRequest(
    `${code}_NOT_ALLOWED`,
    `${field}: ${dir} is outside ${options.outside} (${roots.join(", ")})`,
    {
      field,
      allowed: roots,
    },
  );
}
