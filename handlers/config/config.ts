import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Document } from "yaml";
import { GATEWAY_CONFIG_KEY } from "../../storage/gateway-config.js";
import {
  mergePatchDocument,
  parseConfigText,
  redactConfigData,
  redactConfigText,
  replaceDocument,
  restoreMaskedSecrets,
  validateConfigDocument,
} from "../../storage/gateway-config-edit.js";
import { yamlToObject } from "../../storage/yaml.js";
import type { AppEnv } from "../context.js";
import { badRequest } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { jsonBody, jsonContent } from "../lib/schemas.js";
import { auditActor } from "../middleware/audit-requests.js";

const ConfigViewSchema = z
  .object({
    path: z.string().openapi({ description: "Where gateway.yaml is" }),
    content: z
      .string()
      .openapi({ description: "The file's text, comments kept, every secret masked (Ryvos)" }),
    config: z.record(z.string(), z.unknown()).openapi({ description: "The same as data, secrets masked" }),
    warnings: z.array(z.string()).openapi({ description: "Problems that did not stop loading" }),
  })
  .openapi("GatewayConfigView");

const ReplaceSchema = z
  .object({
    content: z
      .string()
      .max(1_000_000)
      .optional()
      .openapi({ description: "The whole file as YAML text (Ryvos)" }),
    config: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "The whole configuration as data (unchanged nodes keep their comments)" }),
  })
  .openapi("GatewayConfigReplace");

const PatchSchema = z
  .record(z.string(), z.unknown())
  .openapi("GatewayConfigPatch", { description: "A JSON merge patch (RFC 7396): null deletes a key" });

/** gateway.yaml as the API shows it: the text and the data, every secret masked. */
async function configView(c: Context<AppEnv>) {
  const services = c.get("services");
  const store = services.scopes.global().store;
  const text = (await store.readRaw(GATEWAY_CONFIG_KEY)) ?? "";
  const data = (await store.read(GATEWAY_CONFIG_KEY))?.data ?? {};
  const config = await services.gatewayConfig.get();
  return {
    path: store.pathOf(GATEWAY_CONFIG_KEY),
    content: redactConfigText(text),
    config: redactConfigData(data) as Record<string, unknown>,
    warnings: config.warnings,
  };
}

/** Top-level keys whose values differ, for the audit entry (never the values: they may be secrets). */
function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/**
 * Writes gateway.yaml through the document store (atomic, comments kept on untouched nodes). The store's
 * write invalidates its cache at once, so the next request already runs under the new configuration.
 */
async function writeConfig(c: Context<AppEnv>, edit: (current: Document | null) => Document) {
  const services = c.get("services");
  const store = services.scopes.global().store;
  const before = (await store.read(GATEWAY_CONFIG_KEY))?.data ?? {};
  const stored = await store.update(GATEWAY_CONFIG_KEY, (current) => {
    // Taken before the edit, which changes `current` in place.
    const storedData = current ? yamlToObject(current) : {};
    const doc = edit(current);
    restoreMaskedSecrets(doc, storedData);
    validateConfigDocument(yamlToObject(doc), services.env);
    return doc;
  });
  services.audit?.record({
    actor: auditActor(c),
    action: "config.update",
    resource: "gateway.yaml",
    outcome: "ok",
    details: { method: c.req.method, changed: changedKeys(before, stored?.data ?? {}) },
  });
  return c.json(await configView(c), 200);
}

const tags = ["Config"];

/** `GET/PUT/PATCH /api/config`: the effective gateway.yaml, secrets redacted; admins change it live. */
export const configRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "getConfig",
      tags,
      summary: "The gateway.yaml in force, every secret redacted",
      responses: { 200: jsonContent(ConfigViewSchema, "Text and data, secrets masked") },
    }),
    async (c) => c.json(await configView(c), 200),
  )
  .openapi(
    defineRoute("admin", {
      method: "put",
      path: "/",
      operationId: "replaceConfig",
      tags,
      summary: "Replace gateway.yaml (YAML text or data); masked secrets sent back keep their stored value",
      request: { body: jsonBody(ReplaceSchema) },
      responses: { 200: jsonContent(ConfigViewSchema, "The configuration now in force") },
    }),
    async (c) => {
      const body = c.req.valid("json");
      if ((body.content === undefined) === (body.config === undefined)) {
        throw badRequest(
          "VALIDATION_ERROR",
          "invalid body: send exactly one of content (YAML text) or config (data)",
          {
            field: "content",
          },
        );
      }
      return writeConfig(c, (current) => {
        if (body.content !== undefined) return parseConfigText(body.content);
        const doc = current ?? parseConfigText("");
        replaceDocument(doc, body.config!);
        return doc;
      });
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "patch",
      path: "/",
      operationId: "patchConfig",
      tags,
      summary: "Change parts of gateway.yaml (JSON merge patch); comments and untouched keys are kept",
      request: { body: jsonBody(PatchSchema) },
      responses: { 200: jsonContent(ConfigViewSchema, "The configuration now in force") },
    }),
    async (c) => {
      const patch = c.req.valid("json");
      return writeConfig(c, (current) => {
        const doc = current ?? parseConfigText("");
        mergePatchDocument(doc, patch);
        return doc;
      });
    },
  );
