import { z } from "@hono/zod-openapi";
import { AgentFieldsSchema } from "../../storage/agents.js";
import { idSchema } from "../../storage/schema-helpers.js";
import type { RunRequest } from "../capabilities/runs.js";
import type { Services } from "../context.js";
import { prepareChatRun } from "./run-requests.js";

/**
 * An inline agent configuration, as the Viben desktop sends it beside a run. Its `executor_type` names
 * the executor to run when no agent is named; its prompts, model and permission mode then apply.
 */
const InlineAgentConfigSchema = z
  .object({
    name: z.string().max(200).optional(),
    executor_type: AgentFieldsSchema.shape.executor_type.optional(),
    model: AgentFieldsSchema.shape.model.optional(),
    system_prompt: AgentFieldsSchema.shape.system_prompt.optional(),
    append_prompt: AgentFieldsSchema.shape.append_prompt.optional(),
    permission_mode: AgentFieldsSchema.shape.permission_mode.optional(),
  })
  .loose();

/**
 * What starts an interactive run: the original Viben `POST /api/agent/run` body and WebSocket `start`
 * message (`prompt`, `cwd`, `agent_config_path`, `agent_config`, `session_id`, `resume_session` /
 * `resume`), plus the gateway's own `agent_id` and `workdir`. Unknown fields (e.g. `task_id`,
 * `attachments`) are accepted and ignored, as Viben clients send more than a gateway run needs.
 */
export const AgentRunFields = {
  prompt: z.string().trim().min(1, "must not be empty").max(1_000_000),
  agent_id: idSchema
    .optional()
    .openapi({ description: "The agent to run (default: the session's, else the default agent)" }),
  agent_config_path: z.string().max(4096).optional().openapi({
    description: "Viben: `.../agents/<agent-id>/AGENTS.md`; names the agent when agent_id is absent",
  }),
  agent_config: InlineAgentConfigSchema.optional(),
  cwd: z.string().max(4096).optional().openapi({ description: "The workdir (Viben's name for it)" }),
  workdir: z.string().max(4096).optional(),
  session_id: idSchema
    .optional()
    .openapi({ description: "Continue this gateway session (created when new)" }),
  resume_session: idSchema
    .optional()
    .openapi({ description: "Viben: the session to resume (alias of session_id)" }),
  resume: idSchema
    .optional()
    .openapi({ description: "Viben WebSocket: the session to resume (alias of session_id)" }),
};

export const AgentRunRequestSchema = z.object(AgentRunFields).loose().openapi("AgentRunRequest");

export type AgentRunInput = z.infer<typeof AgentRunRequestSchema>;

/** The agent id in a Viben agent config path (`.../agents/<id>/AGENTS.md`). */
function agentIdFromPath(path: string | undefined): string | undefined {
  const match = path?.match(/agents\/([^/]+)\/AGENTS\.md$/);
  const id = match?.[1];
  return id && idSchema.safeParse(id).success ? id : undefined;
}

/**
 * Resolves a Viben run request like a chat message (agent, session, workdir checks), then lets an inline
 * config shape an executor named only by its `executor_type`.
 */
export async function prepareAgentRun(
  services: Services,
  input: AgentRunInput,
  configuredRoots: string[] | undefined,
  source: string,
): Promise<RunRequest> {
  const inline = input.agent_config;
  const named = input.agent_id ?? agentIdFromPath(input.agent_config_path);
  const agentId = named ?? inline?.executor_type;
  const request = await prepareChatRun(
    services,
    {
      message: input.prompt,
      agent_id: agentId,
      session_id: input.session_id ?? input.resume_session ?? input.resume,
      workdir: input.cwd ?? input.workdir,
    },
    configuredRoots,
    source,
  );
  if (named || !inline?.executor_type) return request;
  const { model, system_prompt, append_prompt, permission_mode } = inline;
  const overrides = Object.fromEntries(
    Object.entries({ model, system_prompt, append_prompt, permission_mode }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  return { ...request, agent: { ...request.agent, config: { ...request.agent.config, ...overrides } } };
}
