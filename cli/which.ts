import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";

/** The first executable file of this name in PATH, as a shell would run it; undefined when there is none. */
export async function findOnPath(binary: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const file = join(dir, binary);
    if (
      await access(file, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return file;
  }
  return undefined;
}
