import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../runtime/executors/config-text.js";

describe("parseConfigText", () => {
  it("parses plain JSON", async () => {
    expect(await parseConfigText('{"a": [1, 2]}', "json")).toEqual({ a: [1, 2] });
  });

  it("accepts comments and trailing commas without touching strings", async () => {
    const text = '{\n  // line\n  "url": "http://x//y", /* block */ "glob": "/*.md",\n  "list": [1, 2,],\n}';
    expect(await parseConfigText(text, "json")).toEqual({ url: "http://x//y", glob: "/*.md", list: [1, 2] });
  });

  it("keeps escaped quotes inside strings", async () => {
    expect(await parseConfigText('{"q": "say \\"hi\\" // not a comment",}', "json")).toEqual({
      q: 'say "hi" // not a comment',
    });
  });

  it("parses TOML", async () => {
    expect(await parseConfigText('[mcp_servers.a]\ncommand = "a"\n', "toml")).toEqual({
      mcp_servers: { a: { command: "a" } },
    });
  });

  it("returns undefined for malformed text", async () => {
    expect(await parseConfigText("{ nope", "json")).toBeUndefined();
    expect(await parseConfigText("", "json")).toBeUndefined();
    expect(await parseConfigText("a = = b", "toml")).toBeUndefined();
  });
});
