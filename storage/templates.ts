import { AgentFieldsSchema } from "./agents.js";
import { conflict, notFound } from "./errors.js";
import { assertValidId, idFromName } from "./ids.js";
import type { Scope } from "./scopes.js";
import { z } from "./zod.js";

/** A template is an agent configuration without identity: instantiating it creates a new agent. */
export const TemplateConfigSchema = AgentFieldsSchema.omit({ name: true }).partial().loose();

export const TemplateSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    config: TemplateConfigSchema.default({}),
    created_at: z.string().optional(),
  })
  .loose();

export type TemplateConfig = z.infer<typeof TemplateConfigSchema>;

export interface TemplateRecord {
  id: string;
  name: string;
  description?: string;
  config: TemplateConfig;
  source: "builtin" | "global";
  created_at?: string;
  path?: string;
}

/** Templates that ship with the gateway; user templates with the same id take their place. */
const BUILTIN_TEMPLATES: TemplateRecord[] = [
  {
    id: "coding-assistant",
    name: "Coding Assistant",
    description: "Claude Code with a general coding brief",
    source: "builtin",
    config: {
      executor_type: "CLAUDE_CODE",
      system_prompt: "You are a careful senior software engineer. Explain what you change and why.",
    },
  },
  {
    id: "code-reviewer",
    name: "Code Reviewer",
    description: "Reviews changes read-only and reports findings",
    source: "builtin",
    config: {
      executor_type: "CLAUDE_CODE",
      permission_mode: "plan",
      append_prompt: "Review the code for bugs, security problems and unclear naming. Do not edit files.",
    },
  },
  {
    id: "native-assistant",
    name: "Native Assistant",
    description: "Runs inside the gateway against a configured LLM provider",
    source: "builtin",
    config: { provider: "anthropic", model: "claude-sonnet-4-5", temperature: 0.7, max_tokens: 4096 },
  },
];

const templateKey = (id: string) => `templates:${id}.yaml`;

/** Templates live in the global scope only (`~/.viben/templates/<id>.yaml`). */
export class TemplateRepository {
  constructor(
    private readonly scope: Scope,
    private readonly now: () => Date,
  ) {}

  async list(): Promise<TemplateRecord[]> {
    const ids = (await this.scope.store.keys("templates"))
      .map((k) => /^([^:]+)\.yaml$/.exec(k)?.[1])
      .filter((id): id is string => id !== undefined);
    const stored = (await Promise.all(ids.map((id) => this.loadStored(id).catch(() => null)))).filter(
      (t): t is TemplateRecord => t !== null,
    );
    const storedIds = new Set(stored.map((t) => t.id));
    return [...BUILTIN_TEMPLATES.filter((t) => !storedIds.has(t.id)), ...stored].sort((a, b) =>
      a.id.localeCompare(b.id),
    );
  }

  async get(id: string): Promise<TemplateRecord> {
    assertValidId(id, "id");
    const template = (await this.loadStored(id)) ?? BUILTIN_TEMPLATES.find((t) => t.id === id);
    if (!template) throw notFound("TEMPLATE_NOT_FOUND", `template '${id}' not found`, { template_id: id });
    return template;
  }

  async create(input: { id?: string; name: string; description?: string; config: TemplateConfig }) {
    const id = assertValidId(input.id ?? idFromName(input.name), "id");
    if (BUILTIN_TEMPLATES.some((t) => t.id === id) && input.id === undefined) {
      throw conflict("TEMPLATE_EXISTS", `template '${id}' is built in; pass another id`, { template_id: id });
    }
    const value = stripEmpty({
      name: input.name,
      description: input.description,
      config: input.config,
      created_at: this.now().toISOString(),
    });
    const created = await this.scope.store.createIfAbsent(templateKey(id), value);
    if (!created) throw conflict("TEMPLATE_EXISTS", `template '${id}' already exists`, { template_id: id });
    return (await this.loadStored(id))!;
  }

  private async loadStored(id: string): Promise<TemplateRecord | null> {
    const key = templateKey(id);
    const stored = await this.scope.store.read(key);
    if (!stored) return null;
    const parsed = TemplateSchema.parse(stored.data);
    return {
      id,
      name: parsed.name,
      description: parsed.description,
      config: parsed.config,
      source: "global",
      created_at: parsed.created_at,
      path: this.scope.store.pathOf(key),
    };
  }
}

function stripEmpty(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
