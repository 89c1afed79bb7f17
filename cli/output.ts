import pc from "picocolors";

export type Colors = ReturnType<typeof pc.createColors>;

/** Colours on a terminal only, and never with NO_COLOR (https://no-color.org: any non-empty value). */
export function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  return stream.isTTY === true;
}

export function colorsFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Colors {
  return pc.createColors(colorEnabled(stream, env));
}

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
  /** Colours a cell after padding has been measured on its plain text. */
  color?: (text: string, row: T) => string;
}

const ANSI = /\u001b\[[0-9;]*m/g;
const visibleLength = (text: string) => text.replace(ANSI, "").length;

/** A plain aligned table: header row, then one line per row; columns two spaces apart. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[], colors: Colors): string {
  const cells = rows.map((row) => columns.map((column) => String(column.value(row) ?? "")));
  const widths = columns.map((column, index) =>
    Math.max(visibleLength(column.header), ...cells.map((line) => visibleLength(line[index] ?? ""))),
  );
  const pad = (text: string, index: number) => text + " ".repeat((widths[index] ?? 0) - visibleLength(text));
  const last = columns.length - 1;
  const join = (parts: string[]) => parts.join("  ").trimEnd();
  const header = join(
    columns.map((column, index) => colors.bold(index === last ? column.header : pad(column.header, index))),
  );
  const body = cells.map((line, rowIndex) =>
    join(
      line.map((text, index) => {
        const padded = index === last ? text : pad(text, index);
        const color = columns[index]?.color;
        return color ? padded.replace(text, color(text, rows[rowIndex] as T)) : padded;
      }),
    ),
  );
  return [header, ...body].join("\n");
}

/** Where a command writes: plain text for people, or one JSON document with --json. */
export class Output {
  constructor(
    readonly json: boolean,
    readonly colors: Colors,
    readonly errColors: Colors,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  line(text = ""): void {
    this.stdout.write(`${text}\n`);
  }

  /** Notes, progress and warnings go to stderr, so stdout stays parseable. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  printJson(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  table<T>(rows: readonly T[], columns: readonly Column<T>[], empty = "(none)"): void {
    if (rows.length === 0) this.line(this.colors.dim(empty));
    else this.line(formatTable(rows, columns, this.colors));
  }

  /** With --json prints `value`; otherwise runs `human`. */
  result(value: unknown, human: () => void): void {
    if (this.json) this.printJson(value);
    else human();
  }

  /** `key  value` lines, keys aligned. */
  fields(entries: ReadonlyArray<readonly [string, unknown]>): void {
    const width = Math.max(0, ...entries.map(([key]) => key.length));
    for (const [key, value] of entries)
      this.line(
        `${this.colors.dim(key.padEnd(width))}  ${value === undefined || value === null ? "-" : String(value)}`,
      );
  }
}

/** An ISO time as `YYYY-MM-DD HH:MM`, in `timeZone` (an IANA name) or the local one; undefined stays empty. */
export function shortTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return "";
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  // Sweden's format is ISO-like: 2026-12-03 09:00.
  return new Intl.DateTimeFormat("sv-SE", {
    ...(timeZone ? { timeZone } : {}),
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(time);
}

/** One line of at most `width` characters: whitespace collapsed, cut with an ellipsis. */
export function oneLine(text: string | undefined, width = 60): string {
  const flat = (text ?? "").replace(/\s+/g, " ").trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}
