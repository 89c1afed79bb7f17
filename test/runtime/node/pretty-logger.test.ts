import { describe, expect, it } from "vitest";
import { createPrettyLogger } from "../../../runtime/node/pretty-logger.js";

describe("the gateway's terminal logger", () => {
  it("writes one readable line per entry, coloured or plain", () => {
    const lines: string[] = [];
    const plain = createPrettyLogger("info", (line) => lines.push(line), false);
    plain.info({ msg: "run completed", agent: "coder", exit_code: 0, note: "two words" });
    plain.warn({ msg: "careful" });
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d INFO {2}run completed agent=coder exit_code=0 note="two words"$/,
    );
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d WARN {2}careful$/);

    const coloured: string[] = [];
    createPrettyLogger("info", (line) => coloured.push(line), true).info({ msg: "run failed" });
    expect(coloured[0]).toContain("\u001b[31m\u001b[1mrun failed");
  });

  it("leaves out entries below its level", () => {
    const lines: string[] = [];
    createPrettyLogger("warn", (line) => lines.push(line), false).info({ msg: "hidden" });
    expect(lines).toEqual([]);
  });
});
