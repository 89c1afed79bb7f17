/**
 * POSIX path helpers that work in every runtime (handlers/ and storage/ may not import node:path). Only absolute
 * paths are accepted from clients, and `.`/`..` segments are resolved before any use.
 */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith("/");
}

export function normalizeAbsolutePath(path: string): string {
  const parts: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") parts.pop();
    else parts.push(segment);
  }
  return `/${parts.join("/")}`;
}

export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return "must not be empty";
  if (path.includes("\u0000")) return "must not contain NUL";
  if (!isAbsolutePath(path)) return "must be an absolute path";
  return undefined;
}
