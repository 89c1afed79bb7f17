import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import { describe, expect, it } from "vitest";
import { DocumentStore } from "../../storage/documents.js";
import { KvAppendLog } from "../../storage/drivers/kv-append-log.js";
import { appendLogContract } from "../storage/append-log.contract.js";

/** A DocumentStore over an in-memory unstorage: the same text store the Worker gets over KV. */
function textStore() {
  const storage = createStorage({ driver: memoryDriver() });
  const store = new DocumentStore({ storage, watch: async () => false, dispose: async () => {} }, "/r");
  return { storage, store };
}

appendLogContract("kv", async () => {
  const { store } = textStore();
  const log = new KvAppendLog(store);
  return {
    log,
    appendRaw: async (key, text) => store.writeRaw(key, `${(await store.readRaw(key)) ?? ""}${text}`),
    dispose: async () => {},
  };
});

describe("KvAppendLog values", () => {
  it("keeps the filesystem's JSON-lines text, so a published file reads the same", async () => {
    const { storage, store } = textStore();
    await storage.setItem("sessions:s1:messages.jsonl", '{"a":1}\n{"b":"x"}\n{"torn');
    const log = new KvAppendLog(store);
    expect((await log.readTail("sessions:s1:messages.jsonl", { limit: 5 })).records).toEqual([
      { a: 1 },
      { b: "x" },
    ]);
    await log.append("sessions:s1:messages.jsonl", [{ c: 2 }]);
    expect(await storage.getItemRaw("sessions:s1:messages.jsonl")).toBe(
      '{"a":1}\n{"b":"x"}\n{"torn\n{"c":2}\n',
    );
  });

  it("reads a one-line log as text, not as the JSON value unstorage would make of it", async () => {
    const { storage, store } = textStore();
    await storage.setItem("h.jsonl", '{"a":1}\n');
    expect(await new KvAppendLog(store).count("h.jsonl")).toBe(1);
  });
});
