import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AppendLog, type LogPage, readAll } from "../../storage/append-log.js";
import { StorageError } from "../../storage/errors.js";

export interface AppendLogHarness {
  log: AppendLog;
  /** Appends raw text as a crash mid-write or a hand edit would leave it. */
  appendRaw(key: string, text: string): Promise<void>;
  dispose(): Promise<void>;
}

const KEY = "sessions:s1:messages.jsonl";
const n = (i: number) => ({ n: i });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => n(from + i));
const numbers = (page: LogPage) => page.records.map((r) => r.n);

async function expectValidationError(promise: Promise<unknown>, field: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).kind).toBe("validation");
  expect((error as StorageError).details.field).toBe(field);
}

/** The behaviour every AppendLog driver must share; run once per driver. */
export function appendLogContract(name: string, setup: () => Promise<AppendLogHarness>): void {
  describe(`AppendLog contract: ${name}`, () => {
    let h: AppendLogHarness;
    let log: AppendLog;
    beforeEach(async () => {
      h = await setup();
      log = h.log;
    });
    afterEach(async () => {
      await h.dispose();
    });

    it("reads a missing log as empty", async () => {
      expect(await log.readTail(KEY, { limit: 10 })).toEqual({ records: [] });
      expect(await log.readFrom(KEY, { limit: 10 })).toEqual({ records: [] });
      expect(await log.count?.(KEY)).toBe(0);
      await log.remove(KEY);
      await log.truncate(KEY);
    });

    it("appends batches in order and reads the tail chronologically", async () => {
      await log.append(KEY, range(0, 3));
      await log.append(KEY, []);
      await log.append(KEY, range(3, 5));
      const page = await log.readTail(KEY, { limit: 3 });
      expect(numbers(page)).toEqual([2, 3, 4]);
      expect(page.prev_cursor).toBeTypeOf("string");
      expect(page.next_cursor).toBeUndefined();
      expect(await log.count?.(KEY)).toBe(5);
    });

    it("pages backwards with prev_cursor and forwards again with next_cursor", async () => {
      await log.append(KEY, range(0, 10));
      const pages: number[][] = [];
      let page = await log.readTail(KEY, { limit: 4 });
      pages.push(numbers(page) as number[]);
      const cursors: string[] = [];
      while (page.prev_cursor) {
        cursors.push(page.prev_cursor);
        page = await log.readTail(KEY, { limit: 4, before: page.prev_cursor });
        pages.push(numbers(page) as number[]);
        expect(page.next_cursor).toBeTypeOf("string");
      }
      expect(pages).toEqual([
        [6, 7, 8, 9],
        [2, 3, 4, 5],
        [0, 1],
      ]);
      // The newer page is reachable from an older one.
      const older = await log.readTail(KEY, { limit: 4, before: cursors[1]! });
      expect(numbers(await log.readFrom(KEY, { limit: 4, after: older.next_cursor! }))).toEqual([2, 3, 4, 5]);
    });

    it("pages forwards from the start and back again", async () => {
      await log.append(KEY, range(0, 7));
      const first = await log.readFrom(KEY, { limit: 3 });
      expect(numbers(first)).toEqual([0, 1, 2]);
      expect(first.prev_cursor).toBeUndefined();
      const second = await log.readFrom(KEY, { limit: 3, after: first.next_cursor! });
      expect(numbers(second)).toEqual([3, 4, 5]);
      expect(second.prev_cursor).toBeTypeOf("string");
      expect(numbers(await log.readTail(KEY, { limit: 2, before: second.prev_cursor! }))).toEqual([1, 2]);
      const third = await log.readFrom(KEY, { limit: 3, after: second.next_cursor! });
      expect(numbers(third)).toEqual([6]);
      expect(third.next_cursor).toBeUndefined();
      // A cursor stays valid as the log grows: the same page now has a successor.
      await log.append(KEY, [n(7)]);
      const again = await log.readFrom(KEY, { limit: 3, after: second.next_cursor! });
      expect(numbers(again)).toEqual([6, 7]);
    });

    it("reads everything with readAll across pages", async () => {
      await log.append(KEY, range(0, 25));
      const all: unknown[] = [];
      for await (const records of readAll(log, KEY, 7)) all.push(...records.map((r) => r.n));
      expect(all).toEqual(range(0, 25).map((r) => r.n));
    });

    it("keeps records of different keys apart", async () => {
      await log.append(KEY, [n(1)]);
      await log.append("history:agent.jsonl", [n(2)]);
      expect(numbers(await log.readTail("history:agent.jsonl", { limit: 5 }))).toEqual([2]);
      await log.remove("history:agent.jsonl");
      expect(numbers(await log.readTail(KEY, { limit: 5 }))).toEqual([1]);
    });

    it("round-trips records with newlines, Unicode and large payloads", async () => {
      const big = "x".repeat(200_000);
      const records = [
        { text: "line\nbreak\r\n\u2028" },
        { text: "本地助手 🚀" },
        { text: big },
        { text: "after" },
      ];
      await log.append(KEY, records);
      expect((await log.readTail(KEY, { limit: 10 })).records).toEqual(records);
      expect((await log.readFrom(KEY, { limit: 10 })).records).toEqual(records);
      const tail = await log.readTail(KEY, { limit: 2 });
      expect(tail.records).toEqual(records.slice(2));
      expect((await log.readTail(KEY, { limit: 2, before: tail.prev_cursor! })).records).toEqual(
        records.slice(0, 2),
      );
    });

    it("serialises concurrent appends without interleaving", async () => {
      await Promise.all(Array.from({ length: 40 }, (_, i) => log.append(KEY, [n(i * 2), n(i * 2 + 1)])));
      const page = await log.readFrom(KEY, { limit: 100 });
      expect(page.records).toHaveLength(80);
      const values = numbers(page) as number[];
      for (let i = 0; i < 80; i += 2) expect(values[i + 1]).toBe(values[i]! + 1);
    });

    it("skips a torn last line and terminates it on the next append", async () => {
      await log.append(KEY, range(0, 3));
      await h.appendRaw(KEY, '{"n":99,"partial');
      expect(numbers(await log.readTail(KEY, { limit: 10 }))).toEqual([0, 1, 2]);
      expect(numbers(await log.readFrom(KEY, { limit: 10 }))).toEqual([0, 1, 2]);
      expect(await log.count?.(KEY)).toBe(3);
      await log.append(KEY, range(3, 5));
      expect(numbers(await log.readTail(KEY, { limit: 10 }))).toEqual([0, 1, 2, 3, 4]);
      expect(numbers(await log.readFrom(KEY, { limit: 10 }))).toEqual([0, 1, 2, 3, 4]);
      expect(await log.count?.(KEY)).toBe(5);
    });

    it("skips invalid lines and non-objects anywhere, still paging exactly", async () => {
      await h.appendRaw(KEY, "garbage\n\n[1,2]\n42\n");
      await log.append(KEY, range(0, 2));
      await h.appendRaw(KEY, "{broken json\nnull\n");
      await log.append(KEY, range(2, 4));
      const tail = await log.readTail(KEY, { limit: 2 });
      expect(numbers(tail)).toEqual([2, 3]);
      const older = await log.readTail(KEY, { limit: 2, before: tail.prev_cursor! });
      expect(numbers(older)).toEqual([0, 1]);
      expect(older.prev_cursor).toBeUndefined();
      const first = await log.readFrom(KEY, { limit: 2 });
      expect(numbers(first)).toEqual([0, 1]);
      expect(first.prev_cursor).toBeUndefined();
      expect(numbers(await log.readFrom(KEY, { limit: 5, after: first.next_cursor! }))).toEqual([2, 3]);
      expect(await log.count?.(KEY)).toBe(4);
    });

    it("refuses malformed and out-of-range cursors as validation errors naming cursor", async () => {
      await log.append(KEY, range(0, 5));
      for (const bad of ["", "not a cursor!", "LTE", "YWJj", "x".repeat(40)]) {
        await expectValidationError(log.readTail(KEY, { limit: 2, before: bad }), "cursor");
        await expectValidationError(log.readFrom(KEY, { limit: 2, after: bad }), "cursor");
      }
      const cursor = (await log.readFrom(KEY, { limit: 4 })).next_cursor!;
      await log.truncate(KEY);
      await expectValidationError(log.readFrom(KEY, { limit: 2, after: cursor }), "cursor");
      await expectValidationError(log.readTail(KEY, { limit: 2, before: cursor }), "cursor");
    });

    it("refuses bad limits and keys", async () => {
      for (const limit of [0, -1, 1.5, 10_001, Number.NaN])
        await expectValidationError(log.readTail(KEY, { limit }), "limit");
      for (const key of ["", "..:x.jsonl", "a::b", "a:..:..:b", "/abs", "a\u0000b", "a\\b"])
        await expectValidationError(log.append(key, [n(1)]), "key");
      await expectValidationError(log.append(KEY, [[1, 2]]), "records.0");
    });

    it("truncates and removes", async () => {
      await log.append(KEY, range(0, 3));
      await log.truncate(KEY);
      expect((await log.readTail(KEY, { limit: 5 })).records).toEqual([]);
      await log.append(KEY, [n(7)]);
      expect(numbers(await log.readTail(KEY, { limit: 5 }))).toEqual([7]);
      await log.remove(KEY);
      expect((await log.readTail(KEY, { limit: 5 })).records).toEqual([]);
      expect(await log.count?.(KEY)).toBe(0);
    });
  });
}
