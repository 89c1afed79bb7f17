import { swaggerUI } from "@hono/swagger-ui";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context.js";

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
    },
    security: [{ bearer: [] }],
  });
  app.get("/docs", swaggerUI({ url: "/openapi.json", title: "Viben Gateway API" }));
}
