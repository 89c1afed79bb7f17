import { watch } from "node:fs";
import { open, stat } from "node:fs/promises";
import { CliError } from "../errors.js";
import { dataDir, logPath } from "./local.js";

/** The last `lines` lines of the detached gateway's log; with `follow`, what it appends after, until Ctrl-C. */
export async function showLogs(options: { lines?: string; follow?: boolean }): Promise<void> {
  const log = logPath(dataDir());
  const info = await stat(log).catch(() => undefined);
  if (!info)
    throw new CliError(
      `no gateway log at ${log} (a detached gateway writes it: viben gateway start --detach)`,
    );
  const count = Math.max(0, Number(options.lines ?? 50) || 0);
  const handle = await open(log, "r");
  try {
    // Reads back from the end in blocks until enough lines are in hand, so a large log costs little.
    let position = info.size;
    let text = "";
    while (position > 0 && text.split("\n").length <= count + 1) {
      const size = Math.min(64 * 1024, position);
      position -= size;
      const buffer = Buffer.alloc(size);
      await handle.read(buffer, 0, size, position);
      text = buffer.toString("utf8") + text;
    }
    const lines = text.replace(/\n$/, "").split("\n");
    if (text) process.stdout.write(`${lines.slice(-count).join("\n")}${count > 0 ? "\n" : ""}`);
    if (!options.follow) return;
    let offset = info.size;
    const readNew = async () => {
      const size = (await stat(log).catch(() => undefined))?.size ?? 0;
      if (size < offset) offset = 0; // rotated or truncated: start over
      if (size === offset) return;
      const buffer = Buffer.alloc(size - offset);
      await handle.read(buffer, 0, buffer.length, offset);
      offset = size;
      process.stdout.write(buffer);
    };
    let reading = Promise.resolve();
    await new Promise<void>((done) => {
      const watcher = watch(log, () => {
        reading = reading.then(readNew);
      });
      process.once("SIGINT", () => {
        watcher.close();
        done();
      });
    });
    await reading;
  } finally {
    await handle.close();
  }
}
