import { z } from "@hono/zod-openapi";
import type { SessionRecord } from "../../storage/sessions.js";
import type { Services } from "../context.js";
import { ApiError } from "../errors.js";
import { requireSessions } from "../runs/run-requests.js";

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
    updated_at: z.string().openapi({ description: "Same as last_activity (the original Viben field)" }),
    prompt: z.string().nullable().openapi({ description: "The prompt the session was created with" }),
    task_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
  })
  .loose()
  .openapi("Session");

/** A session as clients see it: its stored record, with `running` taken from the live run table. */
export function sessionView(services: Services, session: SessionRecord) {
  const running = services.runs?.isRunning(session.id) ?? false;
  return {
    ...session,
    agent: session.agent_id,
    status: running ? ("running" as const) : ("idle" as const),
    updated_at: session.last_activity,
    prompt: session.prompt ?? null,
    task_id: session.task_id ?? null,
    metadata: session.metadata ?? {},
  };
}

/** The session, which must belong to the agent in the path. */
export async function agentSession(
  services: Services,
  agentId: string,
  sessionId: string,
): Promise<SessionRecord> {
  const { sessions } = requireSessions(services);
  const session = await sessions.find(sessionId);
  if (!session || session.agent_id !== agentId) {
    throw new ApiError(404, "SESSION_NOT_FOUND", `agent '${agentId}' has no session '${sessionId}'`, {
      agent_id: agentId,
      session_id: sessionId,
    });
  }
  return session;
}

/** A session that runs cannot have its conversation changed under it. */
export function refuseWhileRunning(services: Services, sid: string): void {
  if (services.runs?.isRunning(sid)) {
    throw new ApiError(409, "SESSION_BUSY", `session '${sid}' is running; stop it first`, {
      session_id: sid,
    });
  }
}
