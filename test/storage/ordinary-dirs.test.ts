import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStorage } from "unstorage";
import { afterEach, describe, expect, it } from "vitest";
import { FsAppendLog } from "../../storage/drivers/fs-append-log.js";
import { atomicFsDriver } from "../../storage/drivers/fs-atomic.js";
import { OrdinaryDirs } from "../../storage/drivers/ordinary-dirs.js";

/**
 * Where the fs drivers may write: never under a kernel or device filesystem, checked once per folder,
 * and a folder the driver makes inside a checked one needs no check of its own (issue 12: a session's
 * new folder cost a stat, a realpath and a statfs).
 */
describe("folders the fs drivers write into", () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
    root = undefined;
  });

  it("makes new folders inside a checked one, and still refuses a link into /proc planted there", async () => {
    root = await mkdtemp(join(tmpdir(), "viben-ordinary-"));
    const dirs = new OrdinaryDirs();
    await dirs.make(join(root, "sessions", "a"));
    await dirs.check(join(root, "sessions", "b"));
    expect(existsSync(join(root, "sessions", "b"))).toBe(true);
    await symlink("/proc/self", join(root, "sessions", "planted"));
    await expect(dirs.check(join(root, "sessions", "planted"))).rejects.toMatchObject({
      code: "UNSUPPORTED_FILESYSTEM",
    });
    await expect(dirs.make(join(root, "sessions", "planted", "x"))).rejects.toMatchObject({
      code: "UNSUPPORTED_FILESYSTEM",
    });
  });

  it("writes documents and logs into new folders, refusing one that leads into /proc", async () => {
    root = await mkdtemp(join(tmpdir(), "viben-ordinary-"));
    const storage = createStorage({ driver: atomicFsDriver({ base: root }) });
    const logs = new FsAppendLog(root);
    for (const id of ["s1", "s2"]) {
      await logs.append(`sessions:${id}:messages.jsonl`, [{ seq: 1 }]);
      await storage.setItem(`sessions:${id}:session.yaml`, "id: x\n");
    }
    expect((await readdir(join(root, "sessions"))).sort()).toEqual(["s1", "s2"]);
    await symlink("/proc/self", join(root, "sessions", "s3"));
    await expect(storage.setItem("sessions:s3:session.yaml", "id: x\n")).rejects.toMatchObject({
      code: "UNSUPPORTED_FILESYSTEM",
    });
    await expect(logs.append("sessions:s3:x:messages.jsonl", [{ seq: 1 }])).rejects.toMatchObject({
      code: "UNSUPPORTED_FILESYSTEM",
    });
    await storage.dispose();
  });
});
