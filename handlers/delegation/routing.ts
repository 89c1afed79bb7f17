import { z } from "@hono/zod-openapi";
import { AgentRoutesRepository, type RoutesFile } from "../../storage/agent-routes.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import {
  either,
  OriginalRouteSchema,
  RouteDecisionSchema,
  RouteRequestSchema,
  RoutesViewSchema,
} from "./delegation-schemas.js";
import { decideRoute } from "./route-decision.js";

const TAGS = ["Routing"];

const routeRoute = (operationId: string, path: string) =>
  defineRoute("operator", {
    method: "post",
    path,
    operationId,
    tags: TAGS,
    summary: "Which agent should answer a message: routing rules, then the classifier agent, with the reason",
    request: { body: jsonBody(RouteRequestSchema) },
    responses: {
      200: jsonContent(RouteDecisionSchema, "The chosen agent and what decided it"),
      ...errorResponses(400, 404, 422),
    },
  });

const RULES_SUMMARY =
  "The routing rules (routes.yaml in the global data folder), in the order they are tried";

/** Both spellings: OpenVesper's `/agent/route`, `/agent/routes` and ours under `/api/routing`. */
function routeHandler(operationId: string) {
  return createRouter().openapi(routeRoute(operationId, "/route"), async (c) => {
    const services = c.get("services");
    const body = c.req.valid("json");
    const workspacePath =
      body.workspace_path === undefined
        ? undefined
        : await resolveWorkspacePath(services, body.workspace_path);
    const decision = await decideRoute(services, {
      message: body.message,
      channel: body.channel,
      sender: body.sender,
      workspacePath,
      currentAgent: either(body.current_agent, body.currentAgent),
      classify: body.classify ?? true,
      workdirRoots: c.get("gatewayConfig").workdirRoots,
    });
    return c.json(decision, 200);
  });
}

const ruleViews = (rules: RoutesFile["rules"]) =>
  rules.map((rule, index) => ({ ...rule, id: rule.id ?? null, index }));

/** Mounted at `/agent`: OpenVesper's literal paths; its route list is an array (`mode` is the agent). */
export const agentRoutingRouter = routeHandler("routeAgentMessage").openapi(
  defineRoute("viewer", {
    method: "get",
    path: "/routes",
    operationId: "listAgentRoutes",
    tags: TAGS,
    summary: RULES_SUMMARY,
    responses: {
      200: jsonContent(z.array(OriginalRouteSchema), "The rules, OpenVesper's fields added"),
      ...errorResponses(422),
    },
  }),
  async (c) => {
    const file = await new AgentRoutesRepository(c.get("services").scopes.global()).read();
    const routes = ruleViews(file.rules).map((rule) => ({
      ...rule,
      mode: rule.agent,
      name: rule.id ?? rule.agent,
      tags: [] as string[],
      keywords: rule.keywords ?? [],
      description: rule.description ?? "",
    }));
    return c.json(routes, 200);
  },
);

/** Mounted at `/api/routing`. */
export const apiRoutingRouter = routeHandler("decideRoute").openapi(
  defineRoute("viewer", {
    method: "get",
    path: "/rules",
    operationId: "listRoutingRules",
    tags: TAGS,
    summary: RULES_SUMMARY,
    responses: {
      200: jsonContent(RoutesViewSchema, "The rules, classifier and delegation limits"),
      ...errorResponses(422),
    },
  }),
  async (c) => {
    const repository = new AgentRoutesRepository(c.get("services").scopes.global());
    const file = await repository.read();
    return c.json(
      {
        path: repository.path,
        rules: ruleViews(file.rules),
        classifier: file.classifier ?? null,
        fallback_agent: file.fallback_agent ?? null,
        delegation: { max_depth: file.delegation.max_depth },
      },
      200,
    );
  },
);
