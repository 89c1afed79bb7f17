import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  acquireGatewayLock,
  GATEWAY_LOCK_FILE,
  GatewayLockedError,
  readGatewayLock,
} from "../../../runtime/node/gateway-lock.js";

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "viben-lock-"));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("the gateway lock on a data folder", () => {
  it("is taken once, refuses a second holder naming the first, and is let go", async () => {
    const dir = await tempDir();
    const lock = await acquireGatewayLock(dir, "1.2.3");
    await lock.listening({ host: "127.0.0.1", port: 4321, url: "http://127.0.0.1:4321" });
    const info = await readGatewayLock(dir);
    expect(info).toMatchObject({ pid: process.pid, port: 4321, url: "http://127.0.0.1:4321", data_dir: dir });

    const second = acquireGatewayLock(dir, "1.2.3");
    await expect(second).rejects.toBeInstanceOf(GatewayLockedError);
    await expect(second).rejects.toThrow(`pid ${process.pid}, http://127.0.0.1:4321`);

    await lock.release();
    expect(await readGatewayLock(dir)).toBeUndefined();
    const again = await acquireGatewayLock(dir, "1.2.3");
    await again.release();
  });

  it("takes over a lock whose process is gone, and one that is not a lock at all", async () => {
    const dir = await tempDir();
    // A pid no process has: the kernel never hands out pids this high.
    await writeFile(
      join(dir, GATEWAY_LOCK_FILE),
      JSON.stringify({ pid: 2 ** 30, started_at: "2020-01-01T00:00:00Z", data_dir: dir }),
    );
    const lock = await acquireGatewayLock(dir, "1.2.3");
    expect((await readGatewayLock(dir))?.pid).toBe(process.pid);
    await lock.release();

    await writeFile(join(dir, GATEWAY_LOCK_FILE), "not json");
    const next = await acquireGatewayLock(dir, "1.2.3");
    expect(JSON.parse(await readFile(join(dir, GATEWAY_LOCK_FILE), "utf8")).pid).toBe(process.pid);
    await next.release();
  });

  it("takes over a lock whose pid now belongs to another process", async () => {
    const dir = await tempDir();
    // Our own pid with a start time that is not ours: the gateway that wrote it is gone.
    await writeFile(
      join(dir, GATEWAY_LOCK_FILE),
      JSON.stringify({ pid: process.pid, pid_start: "1", started_at: "2020-01-01T00:00:00Z", data_dir: dir }),
    );
    const lock = await acquireGatewayLock(dir, "1.2.3");
    expect((await readGatewayLock(dir))?.pid_start).not.toBe("1");
    await lock.release();
  });
});
