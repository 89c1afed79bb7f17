import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { PlainObject } from "../config-shapes.js";
import { parseJsonObject } from "../json-lines.js";

/**
 * Every JSON object line of a log a CLI may still be writing: blank, broken and torn (half-written last)
 * lines are skipped, so a crash or a concurrent append never fails the read.
 */
export async function* readJsonLines(path: string): AsyncGenerator<PlainObject> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      const record = parseJsonObject(line);
      if (record) yield record;
    }
  } finally {
    lines.close();
  }
}

/**
 * The complete JSON object lines within the first `maxBytes` of a file (a listing reads only the head of
 * each log; Codex's first line alone carries its instructions, tens of kilobytes).
 */
export async function readHeadJsonLines(path: string, maxBytes: number): Promise<PlainObject[]> {
  const handle = await open(path, "r");
  try {
    const size = Math.min(maxBytes, (await handle.stat()).size);
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    const text = buffer.subarray(0, bytesRead).toString("utf8");
    // The text after the last newline may be a cut line: it is dropped (a torn line at the very end is
    // dropped too, as it does not parse).
    const complete = bytesRead < maxBytes ? text : text.slice(0, text.lastIndexOf("\n") + 1);
    return complete.split("\n").flatMap((line): PlainObject[] => {
      const record = parseJsonObject(line);
      return record ? [record] : [];
    });
  } finally {
    await handle.close();
  }
}
