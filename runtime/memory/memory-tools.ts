import { z } from "zod";
import type { MemoryHit, MemoryService } from "../../handlers/capabilities/memory.js";
import type { AgentRecord } from "../../storage/agents.js";
import { defineTool, type NativeTool } from "../native/tools/native-tool.js";
import type { RunBinding } from "../runs/run-extensions.js";

/** Whether an agent's runs get the memory tools (`memory: true` in its config). */
export function memoryEnabled(agent: AgentRecord): boolean {
  const value = (agent.config as Record<string, unknown>).memory;
  if (value === true) return true;
  return typeof value === "object" && value !== null && (value as { enabled?: unknown }).enabled === true;
}

/** What the model passes (the MCP tools and the native tools take the same input). */
export const MemorySearchShape = {
  query: z.string().min(1).describe("Words to look for in your memory"),
  limit: z.number().int().min(1).max(20).optional().describe("At most this many entries (default 5)"),
};
export const MemoryAddShape = {
  content: z
    .string()
    .min(1)
    .max(100_000)
    .describe("The note to remember, written to make sense later on its own"),
  tags: z.array(z.string().min(1).max(100)).max(20).optional().describe("Optional tags"),
};
const MemorySearchSchema = z.object(MemorySearchShape);
const MemoryAddSchema = z.object(MemoryAddShape);

export const MEMORY_SEARCH_DESCRIPTION =
  "Search your long-term memory (notes kept across conversations) for entries relevant to the query, most relevant first.";
export const MEMORY_ADD_DESCRIPTION =
  "Save a note to your long-term memory so later conversations can find it with memory_search.";

/** The text a model reads for a search. */
export function hitsText(hits: MemoryHit[]): string {
  if (hits.length === 0) return "No memory entries match.";
  return hits
    .map((h) => `- ${h.content}${h.tags?.length ? ` [${h.tags.join(", ")}]` : ""} (id ${h.id})`)
    .join("\n");
}

/** The two memory operations a run may do, on its own agent's memory only. */
export function memoryActions(memory: MemoryService, run: RunBinding) {
  return {
    search: async (input: z.infer<typeof MemorySearchSchema>) =>
      hitsText(await memory.search(run.agent.id, input.query, input.limit ?? 5)),
    add: async (input: z.infer<typeof MemoryAddSchema>) => {
      const entry = await memory.add(run.agent.id, {
        content: input.content,
        ...(input.tags ? { tags: input.tags } : {}),
        sessionKey: run.sessionId,
      });
      return `Saved to memory (id ${entry.id}).`;
    },
  };
}

/** `memory_search` and `memory_add` for native runs. */
export function memoryNativeTools(memory: MemoryService, run: RunBinding): NativeTool[] {
  const actions = memoryActions(memory, run);
  return [
    defineTool({
      name: "memory_search",
      description: MEMORY_SEARCH_DESCRIPTION,
      schema: MemorySearchSchema,
      execute: actions.search,
    }),
    defineTool({
      name: "memory_add",
      description: MEMORY_ADD_DESCRIPTION,
      schema: MemoryAddSchema,
      execute: actions.add,
    }),
  ];
}
