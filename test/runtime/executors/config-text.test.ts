import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../runtime/executors/config-text.js";

describe("parseConfigText", () => {
  it("parses plain JSON", () => {
    expect(parseConfigText('{"a": [1, 2]}', "json")).toEqual({ a: [1, 2] });
  });

  it("accepts comments and trailing commas without touching strings", () => {
    const text = '{\n  // line\n  "url": "http://x//y", /* block */ "glob": "/*.md",\n  "list": [1, 2,],\n}';
    expect(parseConfigText(text, "json")).toEqual({ url: "http://x//y", glob: "/*.md", list: [1, 2] });
  });

  it("keeps escaped quotes inside strings", () => {
    expect(parseConfigText('{"q": "say \\"hi\\" // not a comment",}', "json")).toEqual({
      q: 'say "hi" // not a comment',
    });
  });

  it("parses TOML", () => {
    expect(parseConfigText('[mcp_servers.a]\ncommand = "a"\n', "toml")).toEqual({
      mcp_servers: { a: { command: "a" } },
    });
  });

  it("returns undefined for malformed text", () => {
    expect(parseConfigText("{ nope", "json")).toBeUndefined();
    expect(parseConfigText("", "json")).toBeUndefined();
    expect(parseConfigText("a = = b", "toml")).toBeUndefined();
  });
});
