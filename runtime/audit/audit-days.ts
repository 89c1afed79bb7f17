import { readdir } from "node:fs/promises";
import { join } from "node:path";

/** The UTC days that have an audit file (`<root>/audit/YYYY-MM-DD.jsonl`); none when the folder is absent. */
export async function listAuditDays(globalRoot: string): Promise<string[]> {
  try {
    const names = await readdir(join(globalRoot, "audit"));
    return names.flatMap((name) => {
      const match = /^(\d{4}-\d{2}-\d{2})\.jsonl$/.exec(name);
      return match ? [match[1]!] : [];
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
