import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FsAppendLog } from "../../storage/drivers/fs-append-log.js";
import { QUEUE_JOURNAL_KEY, QUEUE_SNAPSHOT_KEY, QueueJournal } from "../../storage/queue-journal.js";
import type { JournalEntry } from "../../storage/queue-schemas.js";

const job = (
  id: string,
  status: "queued" | "running" | "succeeded",
  rev: number,
  seq: number,
): JournalEntry => ({
  rev,
  seq,
  job: {
    id,
    agent_id: "a",
    prompt: id,
    source: "api",
    status,
    attempts: 0,
    created_at: "2026-01-01T00:00:00Z",
  },
});

/** The journal on disk, with compaction interrupted at each of its steps (what a crash would leave). */
describe("queue journal on the filesystem", () => {
  let root: string;
  afterEach(async () => rm(root, { recursive: true, force: true }));

  const state = async (log: FsAppendLog) =>
    Object.fromEntries((await new QueueJournal(log).load()).entries.map((e) => [e.job.id, e.job.status]));

  it("folds lines by the highest revision, whatever their order or file", async () => {
    root = await mkdtemp(join(tmpdir(), "viben-journal-"));
    const log = new FsAppendLog(root);
    const journal = new QueueJournal(log);
    await Promise.all([
      journal.append([job("a", "queued", 1, 1)]),
      journal.append([job("a", "succeeded", 3, 1), job("b", "queued", 2, 2)]),
    ]);
    await log.append(QUEUE_SNAPSHOT_KEY, [job("a", "running", 2, 1)]);
    const loaded = await journal.load();
    expect(await state(log)).toEqual({ a: "succeeded", b: "queued" });
    expect([loaded.lastRev, loaded.lastSeq]).toEqual([3, 2]);
  });

  it("loses nothing when compaction stops after any step", async () => {
    root = await mkdtemp(join(tmpdir(), "viben-journal-"));
    const log = new FsAppendLog(root);
    const full = [job("a", "succeeded", 5, 1), job("b", "queued", 6, 2)];
    await log.append(QUEUE_SNAPSHOT_KEY, [job("a", "queued", 1, 1)]);
    await log.append(QUEUE_JOURNAL_KEY, [job("a", "running", 3, 1), job("b", "queued", 4, 2)]);
    const expected = { a: "succeeded", b: "queued" };

    // (1) the whole state appended to the journal, snapshot untouched
    await log.append(QUEUE_JOURNAL_KEY, full);
    expect(await state(log)).toEqual(expected);
    // (2) snapshot emptied and only partly rewritten, with a torn last line
    await log.truncate(QUEUE_SNAPSHOT_KEY);
    await appendFile(join(root, "queue/snapshot.jsonl"), `${JSON.stringify(full[0])}\n{"rev":6,"seq":2,`);
    expect(await state(log)).toEqual(expected);
    // (3) snapshot complete, journal not yet emptied; then the real compaction from there
    await log.truncate(QUEUE_SNAPSHOT_KEY);
    await log.append(QUEUE_SNAPSHOT_KEY, full);
    expect(await state(log)).toEqual(expected);
    await new QueueJournal(log).compact(full);
    expect(await log.count(QUEUE_JOURNAL_KEY)).toBe(0);
    expect(await state(log)).toEqual(expected);
  });
});
