/** Providers accept tool names of `[a-zA-Z0-9_-]` up to 64 characters (OpenAI's limit, the strictest). */
const MAX_TOOL_NAME = 64;

/** `mcp__<server>__<tool>`, the convention Claude Code uses, made safe for every provider. */
export function mcpToolName(server: string, tool: string): string {
  const safe = (part: string) => part.replace(/[^a-zA-Z0-9_-]/g, "_");
  return `mcp__${safe(server)}__${safe(tool)}`.slice(0, MAX_TOOL_NAME);
}
