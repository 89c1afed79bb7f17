// dist/cli.js, which bin/viben.mjs runs.
import { main } from "./main.js";

await main();
