import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodeCursor } from "../../storage/append-log.js";
import { FsAppendLog } from "../../storage/drivers/fs-append-log.js";
import { MemoryAppendLog } from "../../storage/drivers/memory-append-log.js";
import { StorageError } from "../../storage/errors.js";
import { appendLogContract } from "./append-log.contract.js";

appendLogContract("memory", async () => {
  const log = new MemoryAppendLog();
  return { log, appendRaw: async (key, text) => log.appendRaw(key, text), dispose: async () => {} };
});

async function fsHarness(chunkSize?: number) {
  const root = await mkdtemp(join(tmpdir(), "viben-log-"));
  const log = new FsAppendLog(root, chunkSize === undefined ? {} : { chunkSize });
  return {
    log,
    appendRaw: async (key: string, text: string) => {
      await mkdir(dirname(log.pathOf(key)), { recursive: true });
      await appendFile(log.pathOf(key), text);
    },
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

appendLogContract("fs", () => fsHarness());
// Tiny chunks make every line cross chunk boundaries in both scan directions.
appendLogContract("fs, 7-byte chunks", () => fsHarness(7));

describe("FsAppendLog files", () => {
  let root: string;
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("maps keys to JSON-lines files under the root and survives a new instance", async () => {
    root = await mkdtemp(join(tmpdir(), "viben-log-"));
    await new FsAppendLog(root).append("sessions:s1:messages.jsonl", [{ a: 1 }, { b: "x" }]);
    expect(await readFile(join(root, "sessions/s1/messages.jsonl"), "utf8")).toBe('{"a":1}\n{"b":"x"}\n');
    const reopened = new FsAppendLog(root);
    expect((await reopened.readTail("sessions:s1:messages.jsonl", { limit: 5 })).records).toEqual([
      { a: 1 },
      { b: "x" },
    ]);
  });

  it("writes a non-durable append at once (only its flush waits), in order with durable ones", async () => {
    root = await mkdtemp(join(tmpdir(), "viben-log-"));
    const log = new FsAppendLog(root);
    const key = "audit:2026-12-04.jsonl";
    await log.append(key, [{ n: 1 }], { durable: false });
    // On the file before the flush: another process (or the next gateway after a crash) reads it.
    expect(await readFile(join(root, "audit/2026-12-04.jsonl"), "utf8")).toBe('{"n":1}\n');
    await log.append(key, [{ n: 2 }]);
    await log.append(key, [{ n: 3 }], { durable: false });
    expect((await new FsAppendLog(root).readFrom(key, { limit: 10 })).records).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 3 },
    ]);
  });

  it("repairs a hand-written torn line on disk", async () => {
    root = await mkdtemp(join(tmpdir(), "viben-log-"));
    const log = new FsAppendLog(root);
    await log.append("h.jsonl", [{ a: 1 }]);
    await appendFile(join(root, "h.jsonl"), '{"a":2,"tr');
    await log.append("h.jsonl", [{ a: 3 }]);
    expect(await readFile(join(root, "h.jsonl"), "utf8")).toBe('{"a":1}\n{"a":2,"tr\n{"a":3}\n');
  });

  it("refuses cursors that do not point at a line start", async () => {
    root = await mkdtemp(join(tmpdir(), "viben-log-"));
    const log = new FsAppendLog(root);
    await log.append("h.jsonl", [{ a: 1 }, { a: 2 }]);
    const error = await log
      .readFrom("h.jsonl", { limit: 1, after: encodeCursor(3) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).details.field).toBe("cursor");
    expect((await log.readFrom("h.jsonl", { limit: 1, after: encodeCursor(8) })).records).toEqual([{ a: 2 }]);
  });

  it("removes emptied directories but nothing outside its root", async () => {
    root = await mkdtemp(join(tmpdir(), "viben-log-"));
    const log = new FsAppendLog(join(root, "data"));
    await writeFile(join(root, "keep.txt"), "x");
    await log.append("sessions:s1:messages.jsonl", [{ a: 1 }]);
    await log.remove("sessions:s1:messages.jsonl");
    expect(await readdir(join(root, "data"))).toEqual([]);
    expect(() => log.pathOf("..:keep.txt")).toThrow(StorageError);
    expect(await readdir(root)).toEqual(["data", "keep.txt"]);
  });
});
