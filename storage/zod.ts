// Every schema in storage is built with this `z`: importing @hono/zod-openapi first adds `.openapi()` to
// zod's types, so the handlers can document storage schemas whatever order modules load in (a schema
// created before the extension would lack it). The extension is portable (Workers too).
import "@hono/zod-openapi";

export { z } from "zod";
