import { z } from "@hono/zod-openapi";
import { ROLES } from "../../storage/gateway-config.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { jsonContent } from "../lib/schemas.js";

const WhoamiSchema = z
  .object({
    role: z.enum(ROLES).openapi({ description: "What this caller may do: viewer < operator < admin" }),
    key_name: z
      .string()
      .nullable()
      .openapi({ description: "The API key's name; null without keys (a loopback caller is admin)" }),
    keys_required: z.boolean().openapi({ description: "Whether gateway.yaml configures API keys" }),
  })
  .openapi("Whoami");

/** `/api/whoami`: who the caller is to the gateway, so a client (the dashboard) offers only what its role may do. */
export const whoamiRouter = createRouter().openapi(
  defineRoute("viewer", {
    method: "get",
    path: "/",
    operationId: "getWhoami",
    tags: ["Config"],
    summary: "The caller's role and key name",
    responses: { 200: jsonContent(WhoamiSchema, "The caller") },
  }),
  (c) =>
    c.json(
      {
        role: c.get("role"),
        key_name: c.get("keyName") ?? null,
        keys_required: c.get("gatewayConfig").apiKeys.length > 0,
      },
      200,
    ),
);
