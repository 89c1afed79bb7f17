import type { Command } from "commander";
import { colorsFor, Output } from "./output.js";

export const DEFAULT_URL = "http://127.0.0.1:18790";

/** What every command reads from the global options and the environment. */
export interface CliContext {
  /** The gateway's origin (--url, else VIBEN_URL, else the default local gateway). */
  url: string;
  /** VIBEN_API_KEY, sent as a bearer token; never a command-line option, so it stays out of `ps`. */
  apiKey: string | undefined;
  json: boolean;
  out: Output;
}

export interface GlobalOptions {
  url?: string;
  json?: boolean;
}

export function contextOf(command: Command): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const json = options.json === true;
  return {
    url: (options.url || process.env.VIBEN_URL || DEFAULT_URL).replace(/\/+$/, ""),
    apiKey: process.env.VIBEN_API_KEY || undefined,
    json,
    out: new Output(json, colorsFor(process.stdout), colorsFor(process.stderr)),
  };
}
