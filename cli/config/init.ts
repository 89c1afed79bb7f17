import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { gatewayConfigTemplate } from "../../storage/gateway-config-template.js";
import { CliError } from "../errors.js";
import { dataDir } from "../gateway/local.js";

export async function writeConfigTemplate(options: {
  force?: boolean;
  stdout?: boolean;
}): Promise<{ path: string; printed: boolean }> {
  const dir = dataDir();
  const path = join(dir, "gateway.yaml");
  const text = gatewayConfigTemplate(pkg.version);
  if (options.stdout) {
    process.stdout.write(text);
    return { path, printed: true };
  }
  await mkdir(dir, { recursive: true });
  try {
    // `wx` fails on an existing file, so nothing is lost between a check and the write.
    await writeFile(path, text, { flag: options.force ? "w" : "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      throw new CliError(
        `${path} already exists; add --force to overwrite it (or --stdout to see the template)`,
      );
    throw error;
  }
  return { path, printed: false };
}
