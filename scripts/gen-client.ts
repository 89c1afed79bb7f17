/**
 * Writes client/openapi.d.ts, the types of the typed API client (client/index.ts), from the gateway's own
 * /openapi.json: the route definitions stay the one source of every path, parameter and body shape.
 * `npm run gen:client` after adding or changing a route; test/shared/client-types.test.ts fails while stale.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { openApiTypes } from "./client-types.js";

const target = fileURLToPath(new URL("../client/openapi.d.ts", import.meta.url));
await writeFile(target, await openApiTypes());
console.log(`wrote ${target}`);
