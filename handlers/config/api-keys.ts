import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiKeyRepository } from "../../storage/api-keys.js";
import { ROLES } from "../../storage/gateway-config.js";
import type { AppEnv } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { auditActor } from "../middleware/audit-requests.js";

const ApiKeyInfoSchema = z
  .object({
    name: z.string(),
    role: z.enum(ROLES),
    storage: z
      .enum(["hash", "env", "inline"])
      .openapi({ description: "hash: created over the API; env: `${VAR}`; inline: written in gateway.yaml" }),
    created_at: z.string().optional(),
    rotated_at: z.string().optional(),
    last_used_at: z
      .string()
      .nullable()
      .openapi({ description: "From the audit trail; null when never seen" }),
  })
  .openapi("ApiKeyInfo");

const IssuedKeySchema = ApiKeyInfoSchema.extend({
  key: z.string().openapi({ description: "The secret: shown this once, stored only as its SHA-256 hash" }),
}).openapi("IssuedApiKey");

const CreateSchema = z
  .object({
    name: z.string().min(1).max(128),
    role: z.enum(ROLES).openapi({ description: "viewer < operator < admin" }),
  })
  .openapi("ApiKeyCreate");

const NameParam = z.object({
  name: z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: "name", in: "path" }, example: "ci" }),
});

const keys = (c: Context<AppEnv>) => {
  const services = c.get("services");
  return new ApiKeyRepository(services.scopes.global().store, services.env, () => services.clock.now());
};

function auditKeyChange(c: Context<AppEnv>, action: string, name: string) {
  c.get("services").audit?.record({
    actor: auditActor(c),
    action,
    resource: `key:${name}`,
    outcome: "ok",
    details: { name },
  });
}

const tags = ["Config"];

/**
 * `/api/keys`: API keys over the API. Created and rotated keys are shown once and stored as hashes in
 * gateway.yaml; changes apply to the very next request (the store's write invalidates the loaded config).
 */
export const apiKeysRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listApiKeys",
      tags,
      summary: "API keys: names, roles, when created and last used (never the secrets)",
      responses: { 200: jsonContent(z.object({ keys: z.array(ApiKeyInfoSchema) }), "Every configured key") },
    }),
    async (c) => {
      const list = await keys(c).list();
      const used = (await c.get("services").audit?.lastKeyUses(list.map((k) => k.name))) ?? new Map();
      return c.json({ keys: list.map((k) => ({ ...k, last_used_at: used.get(k.name) ?? null })) }, 200);
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "post",
      path: "/",
      operationId: "createApiKey",
      tags,
      summary: "Create an API key; its secret is in this answer only",
      request: { body: jsonBody(CreateSchema) },
      responses: {
        201: jsonContent(IssuedKeySchema, "The new key, secret included"),
        ...errorResponses(409),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const issued = await keys(c).create(body.name, body.role);
      auditKeyChange(c, "key.create", issued.name);
      c.header("Cache-Control", "no-store");
      return c.json({ ...issued, last_used_at: null }, 201);
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "post",
      path: "/{name}/rotate",
      operationId: "rotateApiKey",
      tags,
      summary: "Replace a key's secret (the old one stops working at once); the new one is shown once",
      request: { params: NameParam },
      responses: { 200: jsonContent(IssuedKeySchema, "The key with its new secret"), ...errorResponses(404) },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const issued = await keys(c).rotate(name);
      auditKeyChange(c, "key.rotate", name);
      c.header("Cache-Control", "no-store");
      return c.json({ ...issued, last_used_at: null }, 200);
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "delete",
      path: "/{name}",
      operationId: "revokeApiKey",
      tags,
      summary: "Revoke a key: refused from the next request on",
      request: { params: NameParam },
      responses: {
        200: jsonContent(z.object({ name: z.string(), revoked: z.literal(true) }), "Revoked"),
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      await keys(c).revoke(name);
      auditKeyChange(c, "key.revoke", name);
      return c.json({ name, revoked: true as const }, 200);
    },
  );
