/** What every supported CLI offers through the gateway: a streamed chat that edits code with tools and MCP. */
export const CODING_AGENT_FEATURES = ["chat", "code", "tools", "streaming", "mcp"] as const;
