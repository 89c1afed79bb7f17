import { realpath, stat } from "node:fs/promises";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import type { PathProbe } from "../../handlers/capabilities/paths.js";
import { specialFilesystemOfResolved } from "../../storage/drivers/special-filesystems.js";

export const nodePaths: PathProbe = {
  async isDirectory(path) {
    try {
      return (await stat(path)).isDirectory();
    } catch {
      return false;
    }
  },
  async realpath(path) {
    try {
      return await realpath(path);
    } catch {
      return path;
    }
  },
  specialFilesystem: specialFilesystemOfResolved,
};

export function nodeRemoteAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}
