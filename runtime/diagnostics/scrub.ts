import { REDACTED } from "../../storage/rules/redact.js";

/** Field names whose string values are secrets wherever they appear (URLs excepted: see isUrlField). */
const SECRET_FIELD = /(key|token|secret|passw|pwd|authorization|cookie|credential|private|signature)/i;
const isUrlField = (name: string) => /(url|uri)$/i.test(name);
const isReference = (value: string) => /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value);

/** Environment variables whose values are secrets. */
export const SECRET_ENV_NAME = /(KEY|TOKEN|SECRET|PASSW|PWD|AUTH|CREDENTIAL|COOKIE|SESSION|PRIVATE)/i;

/** Shapes of well-known credentials, for secrets nobody told the gateway about (e.g. pasted into a log). */
const SECRET_PATTERNS: RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  /\bsk-[A-Za-z0-9_-]{10,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{30,}/g,
  /\b(access_token|refresh_token|client_secret|api_key|apikey|token|password|code)=[^&\s"']+/gi,
];

/** Secrets shorter than this are not searched for as text (they would mask ordinary words). */
const MIN_SECRET_LENGTH = 6;

/**
 * Masks secrets in everything that leaves through /diag and its bundle: values of secret-named fields,
 * every known secret (keys, tokens, env values) wherever it appears as text, and credential-shaped strings.
 */
export class SecretScrubber {
  private readonly known: string[];

  constructor(secrets: Iterable<string | undefined>) {
    const unique = new Set<string>();
    for (const secret of secrets) {
      if (secret && secret.length >= MIN_SECRET_LENGTH && !isReference(secret)) unique.add(secret);
    }
    // Longest first, so a secret containing another is masked whole.
    this.known = [...unique].sort((a, b) => b.length - a.length);
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.known) out = out.split(secret).join(REDACTED);
    for (const pattern of SECRET_PATTERNS) {
      out = out.replace(pattern, (match, prefix?: string) =>
        typeof prefix === "string" && match.startsWith(prefix) && /=|\s/.test(match)
          ? `${match.slice(0, match.search(/[=\s]/) + 1)}${REDACTED}`
          : REDACTED,
      );
    }
    return out;
  }

  /** A deep copy with secret-named fields masked and every string scrubbed. */
  value(input: unknown, field = ""): unknown {
    if (typeof input === "string") {
      if (field && SECRET_FIELD.test(field) && !isUrlField(field) && !isReference(input)) return REDACTED;
      return this.text(input);
    }
    if (Array.isArray(input)) return input.map((item) => this.value(item, field));
    if (input && typeof input === "object") {
      return Object.fromEntries(
        Object.entries(input as Record<string, unknown>).map(([k, v]) => [this.text(k), this.value(v, k)]),
      );
    }
    return input;
  }
}

/** Known secrets in a process environment: the values of secret-named variables. */
export function environmentSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => value !== undefined && SECRET_ENV_NAME.test(name))
    .map(([, value]) => value as string);
}
