import { describe, expect, it } from "vitest";
import type { AppendLog } from "../../storage/append-log.js";
import { AuditLog, auditKey } from "../../storage/audit-log.js";
import { MemoryAppendLog } from "../../storage/drivers/memory-append-log.js";

/** Counts appends, to see group commit: a burst of entries is one write per day file. */
function countingLog() {
  const log = new MemoryAppendLog();
  let appends = 0;
  const counted: AppendLog = Object.assign(Object.create(log) as MemoryAppendLog, {
    append: (key: string, records: readonly object[]) => {
      appends++;
      return log.append(key, records);
    },
  });
  return { log, counted, appends: () => appends };
}

describe("AuditLog", () => {
  it("group-commits a burst into one append per day and flush resolves once it is written", async () => {
    const { log, counted, appends } = countingLog();
    const audit = new AuditLog({ log: counted, now: () => new Date("2026-12-02T10:00:00Z") });
    for (let i = 0; i < 50; i++) audit.record({ actor: "local", action: "api.post", resource: `/r/${i}` });
    audit.record({ actor: "local", action: "api.post", ts: "2026-12-01T23:59:59.000Z" });
    await audit.flush();
    expect(appends()).toBe(2);
    expect(await log.count(auditKey("2026-12-02"))).toBe(50);
    expect(await audit.dates()).toEqual(["2026-12-01", "2026-12-02"]);
  });

  it("skips a torn last line, and an append after it stays readable", async () => {
    const log = new MemoryAppendLog();
    const audit = new AuditLog({ log, now: () => new Date("2026-12-02T10:00:00Z") });
    audit.record({ actor: "a", action: "x.one" });
    await audit.flush();
    log.appendRaw(auditKey("2026-12-02"), '{"id":"torn","ts":"2026');
    expect((await audit.query({ limit: 10 })).entries.map((e) => e.action)).toEqual(["x.one"]);
    audit.record({ actor: "a", action: "x.two" });
    await audit.flush();
    expect((await audit.query({ limit: 10 })).entries.map((e) => e.action)).toEqual(["x.two", "x.one"]);
  });

  it("records a key's use once per minute and remembers its last use", async () => {
    let now = new Date("2026-12-02T10:00:00Z");
    const audit = new AuditLog({ log: new MemoryAppendLog(), now: () => now });
    audit.keyUsed("ci");
    now = new Date("2026-12-02T10:00:30Z");
    audit.keyUsed("ci");
    now = new Date("2026-12-02T10:01:01Z");
    audit.keyUsed("ci");
    expect((await audit.query({ limit: 10, action: "key.used" })).entries).toHaveLength(2);
    expect((await audit.lastKeyUses(["ci", "other"])).get("ci")).toBe("2026-12-02T10:01:01.000Z");
  });
});
