import { useState } from "preact/hooks";
import type { JsonSchema } from "../schema.js";
import { ErrorText } from "./status.js";

/** How a field is edited, read off its schema. */
type Kind = "enum" | "boolean" | "number" | "text" | "long-text" | "list" | "json";

function kindOf(schema: JsonSchema): Kind {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (schema.enum) return "enum";
  if (type === "boolean") return "boolean";
  if (type === "number" || type === "integer") return "number";
  if (type === "string") return (schema.maxLength ?? 0) > 1000 ? "long-text" : "text";
  if (type === "array" && schema.items?.type === "string") return "list";
  return "json";
}

const labelOf = (key: string) => (key.charAt(0).toUpperCase() + key.slice(1)).replaceAll("_", " ");

/** A field's value as the form holds it (text, or a checkbox's state). */
function toFormValue(kind: Kind, value: unknown): string | boolean {
  if (kind === "boolean") return value === true;
  if (value === undefined || value === null) return "";
  if (kind === "list") return (value as string[]).join(", ");
  if (kind === "json") return JSON.stringify(value, null, 2);
  return String(value);
}

/** The form's text back to the API's value; undefined when left empty. */
function fromFormValue(kind: Kind, value: string | boolean, key: string): unknown {
  if (kind === "boolean") return value === true ? true : undefined;
  const text = String(value).trim();
  if (text === "") return undefined;
  if (kind === "number") return Number(text);
  if (kind === "list")
    return text
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  if (kind === "json") {
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${labelOf(key)}: not valid JSON`);
    }
  }
  return text;
}

export interface SchemaFormProps {
  schema: JsonSchema;
  /** Values to start from (an agent being edited). */
  initial?: Record<string, unknown>;
  /** Fields shown first; the rest sit under "More settings". */
  primary: string[];
  /** Fields not offered. */
  hidden?: string[];
  /** Choices for free-text fields (executor ids, template ids): shown as a select. */
  choices?: Record<string, string[]>;
  submitLabel: string;
  /** Receives the values that are set (and, when editing, null for a cleared field). */
  onSubmit(values: Record<string, unknown>): Promise<void>;
}

/**
 * A form generated from a JSON Schema (the API's own request body schema from /openapi.json): one
 * labelled control per property by its type, required ones marked; the API's refusal is shown above the
 * button, naming the field.
 */
export function SchemaForm(props: SchemaFormProps) {
  const properties = Object.entries(props.schema.properties ?? {}).filter(
    ([key]) => !(props.hidden ?? []).includes(key),
  );
  const required = new Set(props.schema.required ?? []);
  const [values, setValues] = useState<Record<string, string | boolean>>(() =>
    Object.fromEntries(
      properties.map(([key, schema]) => [key, toFormValue(kindOf(schema), props.initial?.[key])]),
    ),
  );
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const ordered = [
    ...props.primary.flatMap((key) => properties.filter(([k]) => k === key)),
    ...properties.filter(([key]) => !props.primary.includes(key)),
  ];
  const primary = ordered.filter(([key]) => props.primary.includes(key));
  const more = ordered.filter(([key]) => !props.primary.includes(key));

  const field = ([key, schema]: [string, JsonSchema]) => {
    const kind = kindOf(schema);
    const id = `field-${key}`;
    const hint = schema.description ? `${id}-hint` : undefined;
    const value = values[key];
    const set = (next: string | boolean) => setValues((v) => ({ ...v, [key]: next }));
    const options = props.choices?.[key] ?? (schema.enum as string[] | undefined);
    let control: preact.JSX.Element;
    if (kind === "boolean") {
      control = (
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          aria-describedby={hint}
          onChange={(e) => set(e.currentTarget.checked)}
        />
      );
    } else if (options) {
      control = (
        <select
          id={id}
          value={String(value)}
          aria-describedby={hint}
          onChange={(e) => set(e.currentTarget.value)}
        >
          <option value="">—</option>
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
    } else if (kind === "long-text" || kind === "json") {
      control = (
        <textarea
          id={id}
          value={String(value)}
          aria-describedby={hint}
          class={kind === "json" ? "mono" : undefined}
          onInput={(e) => set(e.currentTarget.value)}
        />
      );
    } else {
      control = (
        <input
          id={id}
          type={kind === "number" ? "number" : "text"}
          step={kind === "number" ? "any" : undefined}
          value={String(value)}
          required={required.has(key)}
          aria-describedby={hint}
          onInput={(e) => set(e.currentTarget.value)}
        />
      );
    }
    return (
      <div class={kind === "boolean" ? "field field-check" : "field"} key={key}>
        <label for={id}>
          {labelOf(key)}
          {required.has(key) ? <span aria-hidden="true"> *</span> : null}
          {kind === "list" ? <span class="muted"> (comma separated)</span> : null}
        </label>
        {control}
        {hint ? (
          <small id={hint} class="muted">
            {schema.description}
          </small>
        ) : null}
      </div>
    );
  };

  return (
    <form
      class="stack schema-form"
      onSubmit={async (event) => {
        event.preventDefault();
        setError(undefined);
        try {
          const out: Record<string, unknown> = {};
          for (const [key, schema] of properties) {
            const converted = fromFormValue(kindOf(schema), values[key] ?? "", key);
            if (converted !== undefined) out[key] = converted;
            else if (props.initial && props.initial[key] !== undefined) out[key] = null;
          }
          setBusy(true);
          await props.onSubmit(out);
        } catch (failure) {
          setError(failure instanceof Error ? failure.message : String(failure));
        } finally {
          setBusy(false);
        }
      }}
    >
      {primary.map(field)}
      {more.length > 0 ? (
        <details>
          <summary>More settings</summary>
          <div class="stack">{more.map(field)}</div>
        </details>
      ) : null}
      <ErrorText error={error} />
      <div class="row">
        <button type="submit" disabled={busy}>
          {props.submitLabel}
        </button>
      </div>
    </form>
  );
}
