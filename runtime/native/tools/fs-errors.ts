/** A readable message for a failed file operation, without the errno noise. */
export function describeFsError(error: unknown, shownPath: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return `no such file or directory: ${shownPath}`;
    case "EACCES":
    case "EPERM":
      return `permission denied: ${shownPath}`;
    case "EISDIR":
      return `${shownPath} is a directory`;
    case "ENOTDIR":
      return `a parent of ${shownPath} is not a directory`;
    default:
      return `${shownPath}: ${(error as Error).message}`;
  }
}
