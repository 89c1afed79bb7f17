import { z } from "@hono/zod-openapi";
import {
  type AgentConfig,
  AgentFieldsSchema,
  type AgentRecord,
  mcpServerReferences,
  stripUndefined,
} from "../../storage/agents.js";
import { canonicalExecutorId } from "../../storage/executor-types.js";
import { restoreRedacted } from "../../storage/rules/redact.js";
import { resolveWorkspace, resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import type { Scope } from "../../storage/scopes.js";
import type { ExecutorAvailability } from "../capabilities/executors.js";
import type { Services } from "../context.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import {
  acceptKnownFields,
  type InputWarning,
  StrictQuerySchema,
  withWarnings,
} from "../lib/lenient-body.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";
import {
  AgentDetailSchema,
  AgentSummarySchema,
  AvailabilityResolver,
  agentDetail,
  agentSummary,
} from "./agent-views.js";
import { findTemplateConfig } from "./template-source.js";

const IdParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "my-agent" }),
});
const ScopeQuery = WorkspaceQuerySchema.pick({ workspace_path: true });

/** `provider_id` is the original Viben spelling of `provider`; either is accepted, `provider` wins. */
const providerAlias = { provider_id: idSchema.optional() };

export const AgentCreateSchema = AgentFieldsSchema.partial().extend({
  name: AgentFieldsSchema.shape.name,
  id: idSchema.optional(),
  from_template: idSchema.optional(),
  base_path: z
    .string()
    .optional()
    .openapi({ description: "Workspace to store the agent in; global when absent" }),
  ...providerAlias,
});
const AgentCreateBody = AgentCreateSchema.loose().openapi("AgentCreate", {
  description: "Unknown fields are ignored and listed in `warnings` (?strict=true refuses them)",
});

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();
const PATCHABLE = [
  "description",
  "executor_type",
  "model",
  "provider",
  "system_prompt",
  "append_prompt",
  "temperature",
  "max_tokens",
  "max_turns",
  "permission_mode",
  "mcp_servers",
  "skills",
  "workdirs",
  "executor_config",
  "plan_mode",
  "approvals",
  "pause_before",
  "approval_timeout_secs",
  "is_template",
  "template_description",
  "custom_variables",
  "env_variables",
] as const satisfies readonly (keyof typeof AgentFieldsSchema.shape)[];

export const AgentPatchSchema = z.object({
  name: AgentFieldsSchema.shape.name.optional(),
  ...(Object.fromEntries(PATCHABLE.map((f) => [f, nullable(AgentFieldsSchema.shape[f])])) as {
    [F in (typeof PATCHABLE)[number]]: z.ZodOptional<z.ZodNullable<(typeof AgentFieldsSchema.shape)[F]>>;
  }),
  provider_id: nullable(idSchema),
});
const AgentPatchBody = AgentPatchSchema.loose().openapi("AgentPatch", {
  description:
    "Fields to change; null removes an optional field. Unknown fields are ignored and listed in `warnings`",
});

/** Names in a list-form `mcp_servers` refer to servers configured elsewhere: kept, but no executor gets them. */
function mcpReferenceWarnings(fields: { mcp_servers?: unknown }): InputWarning[] {
  const names = mcpServerReferences({ mcp_servers: fields.mcp_servers as AgentConfig["mcp_servers"] });
  if (names.length === 0) return [];
  const message = `${names.map((n) => `'${n}'`).join(", ")}: a name without a configuration is kept, but the gateway cannot give it to the executor`;
  return [{ field: "mcp_servers", message }];
}

/** Masked values sent back (env_variables, executor_config.env) keep the secrets they stand for. */
function keepStoredSecrets<T extends { env_variables?: unknown; executor_config?: unknown }>(
  patch: T,
  record: AgentRecord,
): T {
  const next = { ...patch };
  if (isRecord(next.env_variables)) {
    next.env_variables = restoreRedacted(next.env_variables, record.config.env_variables);
  }
  const config = next.executor_config;
  if (isRecord(config) && isRecord(config.env)) {
    const storedEnv = record.config.executor_config?.env;
    next.executor_config = {
      ...config,
      env: restoreRedacted(config.env, isRecord(storedEnv) ? storedEnv : undefined),
    };
  }
  return next;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Folds the original's `provider_id` into `provider`. */
function withProviderAlias<T extends { provider?: string | null; provider_id?: string | null }>(body: T) {
  const { provider_id, ...rest } = body;
  return provider_id === undefined || rest.provider !== undefined ? rest : { ...rest, provider: provider_id };
}

const ExecutorAgentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.literal("executor"),
    is_available: z.boolean(),
    availability: z.object({
      available: z.boolean(),
      reason: z.string().nullable(),
      type: z.string(),
      last_auth_timestamp: z.number().optional(),
    }),
    supports_mcp: z.boolean(),
    features: z.array(z.string()),
    capabilities: z.array(z.string()),
  })
  .openapi("ExecutorAgent");

const AvailabilitySchema = z
  .object({
    agent_id: z.string(),
    available: z.boolean(),
    reason: z.string().nullable(),
    type: z.string().openapi({
      description:
        "The original Viben answer: LOGIN_DETECTED, INSTALLATION_FOUND or NOT_FOUND for an executor, VIBEN_AGENT for a native agent",
    }),
    last_auth_timestamp: z.number().optional(),
    name: z.string().optional(),
    executor_type: z.string().optional(),
    availability: z.object({ type: z.string(), last_auth_timestamp: z.number().optional() }).optional(),
  })
  .openapi("AgentAvailability");

/** The original's top-level availability `type`: executors by detection (NOT_FOUND for not installed). */
function originalAvailabilityType(availability: ExecutorAvailability | undefined): string {
  if (!availability) return "VIBEN_AGENT";
  return availability.type === "NOT_INSTALLED" ? "NOT_FOUND" : availability.type;
}

/** Scopes an agent id is looked up in: the given workspace first, then the global scope. */
async function lookupScopes(services: Services, workspacePath: string | undefined): Promise<Scope[]> {
  const path = await resolveWorkspacePath(services, workspacePath);
  return services.scopes.listingScopes(path, true);
}

async function executorAsAgent(services: Services, id: string, workspacePath: string) {
  const executorId = canonicalExecutorId(id);
  if (!executorId || !services.executors) return undefined;
  const info = await services.executors.get(executorId, workspacePath);
  const available = info.availability.type !== "NOT_INSTALLED";
  return {
    id: info.id,
    name: info.name,
    type: "executor" as const,
    is_available: available,
    availability: {
      available,
      reason: available ? null : `${info.name} is not installed`,
      type: info.availability.type,
      last_auth_timestamp: info.availability.last_auth_timestamp,
    },
    supports_mcp: info.supports_mcp,
    features: info.features,
    capabilities: info.capabilities,
  };
}

/**
 * After an agent is deleted, a default that named it would send /api/chat to a missing agent: each scope
 * whose default names the id is cleared unless an agent of that id is still visible from that scope.
 */
async function clearDanglingDefault(services: Services, deleted: AgentRecord): Promise<boolean> {
  const global = services.scopes.global();
  const candidates = deleted.scope.kind === "global" ? [global] : [deleted.scope, global];
  let cleared = false;
  for (const scope of candidates) {
    if ((await services.settings.defaultAgent(scope)) !== deleted.id) continue;
    const visible = services.scopes.listingScopes(scope.workspacePath, true);
    if (await services.agents.find(visible, deleted.id)) continue;
    await services.settings.setDefaultAgent(scope, null);
    cleared = true;
  }
  return cleared;
}

const agentNotFound = (id: string) =>
  new ApiError(404, "AGENT_NOT_FOUND", `agent '${id}' not found`, { agent_id: id });

/** /api/agent: list, create, get, update and delete user-created agents; availability. */
export const agentsRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listAgents",
      tags: ["Agents"],
      summary: "List agents of a workspace, merged with the global scope",
      request: { query: WorkspaceQuerySchema },
      responses: {
        200: jsonContent(
          z.object({
            workspace_path: z.string(),
            agents: z.array(AgentSummarySchema),
            total: z.number().int(),
            warnings: z.array(z.object({ id: z.string(), config_path: z.string(), error: z.string() })),
          }),
          "Agents, workspace first",
        ),
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const ws = await resolveWorkspace(services, c.req.valid("query"));
      const { agents, problems } = await services.agents.list(ws.scopes);
      const availability = new AvailabilityResolver(services, ws.workspacePath, ws.scopes);
      const views = await Promise.all(agents.map((a) => agentSummary(a, availability)));
      return c.json(
        { workspace_path: ws.workspacePath, agents: views, total: views.length, warnings: problems },
        200,
      );
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/",
      operationId: "createAgent",
      tags: ["Agents"],
      summary: "Create an agent (id derived from the name when absent)",
      request: { query: StrictQuerySchema, body: jsonBody(AgentCreateBody) },
      responses: {
        201: jsonContent(AgentDetailSchema, "The created agent"),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const accepted = acceptKnownFields(c, AgentCreateSchema, c.req.valid("json"));
      const { id, from_template, base_path, ...fields } = withProviderAlias(accepted.fields);
      const workspacePath = await resolveWorkspacePath(services, base_path, "base_path");
      const scope = services.scopes.workspace(workspacePath);
      const template = from_template
        ? await findTemplateConfig(
            services,
            from_template,
            services.scopes.listingScopes(workspacePath, true),
          )
        : undefined;
      const record = await services.agents.create(
        scope,
        { ...stripUndefined(template ?? {}), ...stripUndefined(fields), name: fields.name },
        id,
      );
      const availability = new AvailabilityResolver(
        services,
        workspacePath,
        services.scopes.listingScopes(workspacePath, true),
      );
      const warnings = [...accepted.warnings, ...mcpReferenceWarnings(fields)];
      return c.json(withWarnings(await agentDetail(record, availability), warnings), 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}",
      operationId: "getAgent",
      tags: ["Agents"],
      summary: "Get an agent, or an executor by its id (e.g. CLAUDE_CODE)",
      request: { params: IdParams, query: ScopeQuery },
      responses: {
        200: jsonContent(z.union([AgentDetailSchema, ExecutorAgentSchema]), "The agent or executor"),
        ...errorResponses(400, 404, 422),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id } = c.req.valid("param");
      const { workspace_path } = c.req.valid("query");
      const scopes = await lookupScopes(services, workspace_path);
      const record = await services.agents.find(scopes, id);
      const workspacePath = scopes[0]!.workspacePath;
      if (record)
        return c.json(
          await agentDetail(record, new AvailabilityResolver(services, workspacePath, scopes)),
          200,
        );
      const executor = await executorAsAgent(services, id, workspacePath);
      if (executor) return c.json(executor, 200);
      throw agentNotFound(id);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "patch",
      path: "/{id}",
      operationId: "updateAgent",
      tags: ["Agents"],
      summary: "Update an agent; keys written by hand are kept",
      request: {
        params: IdParams,
        query: ScopeQuery.merge(StrictQuerySchema),
        body: jsonBody(AgentPatchBody),
      },
      responses: {
        200: jsonContent(AgentDetailSchema, "The updated agent"),
        ...errorResponses(400, 404, 422, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id } = c.req.valid("param");
      const scopes = await lookupScopes(services, c.req.valid("query").workspace_path);
      const record = await services.agents.get(scopes, id);
      const { fields, warnings } = acceptKnownFields(c, AgentPatchSchema, c.req.valid("json"));
      const updated = await services.agents.update(
        record,
        keepStoredSecrets(withProviderAlias(fields), record),
      );
      const detail = await agentDetail(
        updated,
        new AvailabilityResolver(services, scopes[0]!.workspacePath, scopes),
      );
      return c.json(withWarnings(detail, [...warnings, ...mcpReferenceWarnings(fields)]), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/{id}",
      operationId: "deleteAgent",
      tags: ["Agents"],
      summary: "Delete an agent and its directory",
      request: { params: IdParams, query: ScopeQuery },
      responses: {
        200: jsonContent(
          z.object({
            success: z.boolean(),
            id: z.string(),
            deleted: z.string().openapi({ description: "The deleted id (the original Viben field)" }),
            source: z.string(),
            default_cleared: z
              .boolean()
              .openapi({ description: "true when the agent was the default, which is now unset" }),
          }),
          "Deleted",
        ),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id } = c.req.valid("param");
      const scopes = await lookupScopes(services, c.req.valid("query").workspace_path);
      const record = await services.agents.get(scopes, id);
      await services.agents.remove(record);
      const defaultCleared = await clearDanglingDefault(services, record);
      return c.json(
        { success: true, id, deleted: id, source: record.scope.kind, default_cleared: defaultCleared },
        200,
      );
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/availability",
      operationId: "getAgentAvailability",
      tags: ["Agents"],
      summary: "Whether the agent (or executor) can run here",
      request: { params: IdParams, query: ScopeQuery },
      responses: { 200: jsonContent(AvailabilitySchema, "Availability"), ...errorResponses(400, 404) },
    }),
    async (c) => {
      const services = c.get("services");
      const { id } = c.req.valid("param");
      const scopes = await lookupScopes(services, c.req.valid("query").workspace_path);
      const workspacePath = scopes[0]!.workspacePath;
      const record = await services.agents.find(scopes, id);
      if (record) {
        const result = await new AvailabilityResolver(services, workspacePath, scopes).forAgent(
          record.config,
        );
        return c.json(
          {
            agent_id: id,
            name: record.config.name,
            executor_type: record.config.executor_type,
            type: originalAvailabilityType(result.availability),
            ...(result.availability?.last_auth_timestamp === undefined
              ? {}
              : { last_auth_timestamp: result.availability.last_auth_timestamp }),
            ...result,
          },
          200,
        );
      }
      const executor = await executorAsAgent(services, id, workspacePath);
      if (!executor) throw agentNotFound(id);
      return c.json(
        {
          agent_id: executor.id,
          name: executor.name,
          executor_type: executor.id,
          type: originalAvailabilityType(executor.availability),
          ...(executor.availability.last_auth_timestamp === undefined
            ? {}
            : { last_auth_timestamp: executor.availability.last_auth_timestamp }),
          available: executor.is_available,
          reason: executor.availability.reason,
          availability: {
            type: executor.availability.type,
            last_auth_timestamp: executor.availability.last_auth_timestamp,
          },
        },
        200,
      );
    },
  );
