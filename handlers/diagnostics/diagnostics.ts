import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { DiagReportSchema } from "../capabilities/diagnostics.js";
import type { AppEnv } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent } from "../lib/schemas.js";

const TAGS = ["Diagnostics"];
export type DiagHome = "root" | "api";
const opId = (home: DiagHome, name: string) =>
  home === "root" ? name.replace("Diag", "OpenVesperDiag") : name;

const bundleResponse = {
  200: {
    description:
      "A tar.gz bundle: report.json, gateway.yaml, providers.json, env.json, logs/recent.jsonl (secrets redacted)",
    content: { "application/gzip": { schema: z.string().openapi({ format: "binary" }) } },
  },
  ...errorResponses(501),
};

async function sendBundle(c: Context<AppEnv>) {
  const { filename, data } = await requireCapability(c.get("services"), "diagnostics").bundle();
  c.get("services").logger.info({ msg: "diagnostics exported", key: c.get("keyName") ?? "local" });
  return c.body(data as Uint8Array<ArrayBuffer>, 200, {
    "content-type": "application/gzip",
    "content-disposition": `attachment; filename="${filename}"`,
    "cache-control": "no-store",
  });
}

/**
 * /diag and /api/diag: the gateway's state for a bug report, every secret redacted; the export (admin
 * only: it carries recent logs) downloads it all as one tar.gz. OpenVesper's seed names POST /diag/export;
 * GET downloads the same from a browser.
 */
export const createDiagnosticsRouter = (home: DiagHome) =>
  createRouter()
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/",
        operationId: opId(home, "getDiag"),
        tags: TAGS,
        summary:
          "Versions, configuration (redacted), executors, storage health, queue, cron and recent errors",
        responses: { 200: jsonContent(DiagReportSchema, "The report"), ...errorResponses(501) },
      }),
      async (c) => c.json(await requireCapability(c.get("services"), "diagnostics").report(), 200),
    )
    .openapi(
      defineRoute("admin", {
        method: "post",
        path: "/export",
        operationId: opId(home, "exportDiag"),
        tags: TAGS,
        summary: "Download the diagnostics bundle (tar.gz, secrets redacted, recent logs included)",
        responses: bundleResponse,
      }),
      sendBundle,
    )
    .openapi(
      defineRoute("admin", {
        method: "get",
        path: "/export",
        operationId: opId(home, "downloadDiag"),
        tags: TAGS,
        summary: "Download the diagnostics bundle from a browser (same as POST)",
        responses: bundleResponse,
      }),
      sendBundle,
    );
