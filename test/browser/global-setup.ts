// The dashboard the browser tests open is the real build (dist/web), made once before they start.
import { buildWeb } from "../../scripts/build-web.mjs";

export default async function setup(): Promise<void> {
  await buildWeb();
}
