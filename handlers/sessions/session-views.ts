import { z } from "@hono/zod-openapi";
import type { SessionRecord } from "../../storage/sessions.js";
import type { Services } from "../context.js";

export const SessionSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    agent_id: z.string(),
    agent: z.string().openapi({ description: "Same as agent_id (the Ryvos field name)" }),
    workspace_path: z.string(),
    workdir: z.string(),
    created_at: z.string(),
    last_activity: z.string(),
    message_count: z.number(),
    status: z.enum(["idle", "running"]),
  })
  .loose()
  .openapi("Session");

/** A session as clients see it: its stored record, with `running` taken from the live run table. */
export function sessionView(services: Services, session: SessionRecord) {
  const running = services.runs?.isRunning(session.id) ?? false;
  return { ...session, agent: session.agent_id, status: running ? ("running" as const) : ("idle" as const) };
}
