import { describe, expect, it } from "vitest";
import { OutputRing } from "../../runtime/terminals/output-ring.js";

describe("OutputRing", () => {
  it("keeps the newest output within the byte limit, dropping whole chunks", () => {
    const ring = new OutputRing(10);
    ring.push("abcd");
    ring.push("efgh");
    expect(ring.text()).toBe("abcdefgh");
    ring.push("ijkl");
    expect(ring.text()).toBe("efghijkl");
    expect(ring.size).toBe(8);
  });

  it("keeps the tail of a chunk larger than the limit, cut on a character boundary", () => {
    const ring = new OutputRing(7);
    ring.push("xx€€€"); // € is 3 bytes in UTF-8: the last 7 bytes start inside a character
    expect(ring.text()).toBe("€€");
    ring.push("0123456789");
    expect(ring.text()).toBe("3456789");
    expect(ring.size).toBeLessThanOrEqual(7);
  });

  it("stays bounded over many chunks", () => {
    const ring = new OutputRing(64 * 1024);
    for (let i = 0; i < 50_000; i++) ring.push(`line ${i}\r\n`);
    expect(ring.size).toBeLessThanOrEqual(64 * 1024);
    expect(ring.text().endsWith("line 49999\r\n")).toBe(true);
    expect(ring.text().length).toBeGreaterThan(60 * 1024);
  });

  it("keeps nothing with a limit of 0", () => {
    const ring = new OutputRing(0);
    ring.push("abc");
    expect(ring.text()).toBe("");
  });
});
