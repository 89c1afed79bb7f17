/** A minimal, strict reader of the Prometheus text exposition format 0.0.4, for tests. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  help: string;
  type: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const SUFFIXES: Record<string, string[]> = {
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};

/** Parses the text, throwing on any line that is malformed or whose sample belongs to no declared family. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (kind === "HELP") {
        if (helps.has(name)) throw new Error(`second HELP for ${name}`);
        helps.set(name, rest);
      } else {
        if (families.has(name)) throw new Error(`second TYPE for ${name}`);
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest))
          throw new Error(`bad type: ${line}`);
        families.set(name, { help: helps.get(name) ?? "", type: rest, samples: [] });
      }
      continue;
    }
    if (line.startsWith("#")) continue;
    const sample = parseSample(line);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`sample of an undeclared family: ${line}`);
    family.samples.push(sample);
  }
  for (const [name, family] of families) if (!family.help) throw new Error(`no HELP for ${name}`);
  return families;
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  for (const [name, family] of families) {
    const suffixes = SUFFIXES[family.type] ?? [""];
    if (suffixes.some((suffix) => sampleName === name + suffix)) return family;
  }
  return undefined;
}

function parseSample(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new Error(`bad sample: ${line}`);
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === "{") {
    i++;
    while (line[i] !== "}") {
      const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0];
      if (!labelName || line[i + labelName.length] !== "=" || line[i + labelName.length + 1] !== '"')
        throw new Error(`bad label at ${i}: ${line}`);
      i += labelName.length + 2;
      let value = "";
      for (;;) {
        const ch = line[i];
        if (ch === undefined) throw new Error(`unterminated label value: ${line}`);
        i++;
        if (ch === '"') break;
        if (ch === "\\") {
          const next = line[i++];
          if (next === "n") value += "\n";
          else if (next === "\\" || next === '"') value += next;
          else throw new Error(`bad escape \\${next}: ${line}`);
        } else value += ch;
      }
      if (labelName in labels) throw new Error(`repeated label ${labelName}: ${line}`);
      labels[labelName] = value;
      if (line[i] === ",") i++;
      else if (line[i] !== "}") throw new Error(`expected , or } at ${i}: ${line}`);
    }
    i++;
  }
  const rest = line.slice(i);
  const valueText = /^ (\S+)$/.exec(rest)?.[1];
  if (!valueText) throw new Error(`bad value: ${line}`);
  const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText);
  if (Number.isNaN(value) && valueText !== "NaN") throw new Error(`bad value: ${line}`);
  return { name, labels, value };
}
