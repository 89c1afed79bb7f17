import {
  type AppendLog,
  assertLogKey,
  type FromOptions,
  type LogPage,
  serialiseRecords,
  type TailOptions,
} from "../append-log.js";
import { KeyedMutex } from "../lock.js";
import { MemoryAppendLog } from "./memory-append-log.js";

/** Whole values by key: what a KV namespace offers (the global scope's DocumentStore fits). */
export interface TextStore {
  readRaw(key: string): Promise<string | null>;
  writeRaw(key: string, text: string): Promise<void>;
  remove(keys: string[]): Promise<void>;
}

/**
 * Append-only logs stored as one JSON-lines value per key (`sessions:<sid>:messages.jsonl`), the same
 * text the filesystem driver keeps in a file, so a published log reads the same at the edge. KV has no
 * append or range read: every read fetches the whole value and pages it with the memory driver's rules
 * (cursors are line indexes), and an append rewrites the value, serialised per key within one isolate
 * only. Fine for the edge, where logs are published copies and read-only.
 */
export class KvAppendLog implements AppendLog {
  private readonly mutex = new KeyedMutex();

  constructor(private readonly store: TextStore) {}

  async append(key: string, records: readonly object[]): Promise<void> {
    assertLogKey(key);
    if (records.length === 0) return;
    const data = serialiseRecords(records);
    await this.mutex.run(key, async () => {
      const text = (await this.store.readRaw(key)) ?? "";
      // A torn last line is ended first, as every driver does, so the new records get lines of their own.
      const glue = text.length > 0 && !text.endsWith("\n") ? "\n" : "";
      await this.store.writeRaw(key, `${text}${glue}${data}`);
    });
  }

  async readTail(key: string, options: TailOptions): Promise<LogPage> {
    return (await this.snapshot(key)).readTail(key, options);
  }

  async readFrom(key: string, options: FromOptions): Promise<LogPage> {
    return (await this.snapshot(key)).readFrom(key, options);
  }

  async count(key: string): Promise<number> {
    return (await this.snapshot(key)).count(key);
  }

  async remove(key: string): Promise<void> {
    assertLogKey(key);
    await this.mutex.run(key, () => this.store.remove([key]));
  }

  async truncate(key: string): Promise<void> {
    assertLogKey(key);
    await this.mutex.run(key, async () => {
      if ((await this.store.readRaw(key)) !== null) await this.store.writeRaw(key, "");
    });
  }

  /** The stored text as a one-key memory log, which pages it exactly like the other drivers. */
  private async snapshot(key: string): Promise<MemoryAppendLog> {
    assertLogKey(key);
    const log = new MemoryAppendLog();
    const text = await this.store.readRaw(key);
    if (text) log.appendRaw(key, text);
    return log;
  }
}
