import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.js";
import { notFoundHandler } from "../errors.js";

/** The route groups of the document, in the order a reader meets them (each operation names one). */
const API_TAGS = [
  { name: "Health", description: "Liveness (public)" },
  { name: "Agents", description: "User-created agents of the global and workspace scopes, and the default" },
  { name: "Agent templates", description: "Built-in and user-made templates to create agents from" },
  { name: "Runs", description: "Start, stop and chat with an agent's executor" },
  { name: "Sessions", description: "Conversations of agents and their messages" },
  {
    name: "Routing",
    description: "Which agent answers a message: routes.yaml rules, then a classifier agent",
  },
  {
    name: "Delegation",
    description: "Agents handing sub-tasks, conversations and context to each other; the runs' MCP endpoint",
  },
  { name: "History", description: "Per-agent run history" },
  { name: "Executors", description: "Coding-agent CLIs found on this machine" },
  { name: "Models", description: "Models of the configured providers" },
  { name: "Providers", description: "LLM providers for native agents (credentials redacted)" },
  { name: "Queue", description: "The durable run queue and its lanes" },
  { name: "Cron", description: "Scheduled runs" },
  { name: "Webhooks", description: "Webhook intake (hook tokens)" },
  { name: "Channels", description: "Telegram, Slack, Discord and webhook channels (channels.yaml)" },
  { name: "Edge", description: "The inbox of webhook wakes held at the edge (workerd)" },
  { name: "Heartbeat", description: "The periodic self-check of gateway.yaml `heartbeat:`" },
  {
    name: "Background tasks",
    description: "OpenVesper's background tasks: reminders and prompts run through the queue at a time",
  },
  { name: "Tasks", description: "Tasks run by agents" },
  {
    name: "Group chats",
    description: "Several agents and the user in one conversation: round robin, @mentions or a coordinator",
  },
  { name: "Standing orders", description: "Rules every run of the agents they name follows (OpenVesper)" },
  { name: "Memory", description: "Notes per agent with ranked full-text search, offered to runs as tools" },
  { name: "Commitments", description: "Promises with a due time; an overdue one wakes its agent" },
  {
    name: "OAuth",
    description: "OAuth sign-ins (authorization code with PKCE) and the encrypted token store",
  },
  {
    name: "Diagnostics",
    description: "Versions, configuration (redacted), health of storage, queue and cron",
  },
  { name: "Remote", description: "Instructions a remote controller queues to agents" },
  { name: "Kanban", description: "The board of a workspace's tasks" },
  { name: "Events", description: "The event stream (Server-Sent Events)" },
  { name: "WebSocket", description: "Chat and events over WebSocket (`/ws`, the Ryvos protocol)" },
  { name: "Telemetry", description: "Request, run, token and cost figures; Prometheus metrics" },
  { name: "Terminals", description: "Interactive terminals (`/terminal/ws`) and their management" },
  {
    name: "Channel access",
    description: "Channel routes, access rules and DM pairing (ours under /api, OpenVesper's at the root)",
  },
  {
    name: "Chat list",
    description: "Every conversation by last activity: unread counts, pins, archive, search",
  },
  {
    name: "Workspaces",
    description: "Registered projects: named, allowed roots (ours under /api, OpenVesper's at the root)",
  },
  {
    name: "MCP servers",
    description:
      "MCP servers of the gateway's scopes, of agents and of executors' own config files; live tests",
  },
  {
    name: "Approvals",
    description: "Tool calls waiting for a person, their decisions and the rules that decide without asking",
  },
  { name: "Audit", description: "The append-only audit trail (ours under /api, OpenVesper's at the root)" },
  { name: "Config", description: "gateway.yaml over the API (secrets redacted) and API keys" },
];

/** Serves the OpenAPI 3.1 document generated from the route schemas, and an interactive page at /docs. */
export function mountDocs(app: OpenAPIHono<AppEnv>, version: string): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key from gateway.yaml (not needed on loopback when no keys are configured)",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Viben Gateway",
      version,
      description:
        "Local-first gateway for orchestrating AI agents. Each operation names its x-required-role.",
      license: { name: "MIT", url: "https://spdx.org/licenses/MIT.html" },
    },
    servers: [
      {
        url: "http://127.0.0.1:18790",
        description:
          "The local Viben gateway on its default address (npm start; --host/--port or VIBEN_HOST/VIBEN_PORT move it)",
      },
    ],
    tags: API_TAGS,
    security: [{ bearer: [] }],
  });
  // Swagger UI from the pinned swagger-ui-dist the runtime serves: the page works offline, no CDN.
  app.get("/docs", (c) => c.html(DOCS_PAGE));
  app.get("/docs/assets/:name", async (c) => {
    const asset = await c.get("services").staticAssets?.docsAsset(c.req.param("name"));
    if (!asset) return notFoundHandler(c);
    c.header("content-type", asset.contentType);
    // Same URL, same pinned file until the package is upgraded: a day's caching spares reloads.
    c.header("cache-control", "public, max-age=86400");
    return c.body(asset.body as Uint8Array<ArrayBuffer>);
  });
}

/** The docs page: Swagger UI over /openapi.json, its files under /docs/assets/. */
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Viben Gateway API</title>
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<main id="swagger-ui"></main>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
</script>
</body>
</html>
`;
