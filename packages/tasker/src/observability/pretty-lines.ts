// Readable log lines for a person at a terminal: pino's JSON line turned into
//   10:42:07.123 INFO  worker  step failed; retry scheduled  task_uuid=01a2... step=a attempt=1
// No dependency and no worker thread (pino-pretty's transport runs one): each line is formatted as
// it is written.
const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
const COLOURS: Record<number, string> = { 10: "90", 20: "90", 30: "32", 40: "33", 50: "31", 60: "35" };
/** Written by pino on every line, or shown in the line's head. */
const OMITTED = new Set(["level", "time", "pid", "hostname", "name", "component", "msg", "v"]);

function value(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) || v === "" ? JSON.stringify(v) : v;
  if (v !== null && typeof v === "object") {
    const err = v as { message?: unknown; stack?: unknown };
    if (typeof err.message === "string" && typeof err.stack === "string") return JSON.stringify(err.message);
  }
  return JSON.stringify(v) ?? String(v);
}

/** One pino JSON line as a readable line (the input unchanged when it is not JSON). */
export function prettyLine(json: string, colour: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = typeof entry.level === "number" ? entry.level : 30;
  const time = typeof entry.time === "number" ? new Date(entry.time).toISOString().slice(11, 23) : "";
  const paint = (code: string, text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const who = [entry.name, entry.component].filter((p) => typeof p === "string" && p !== "").join("/");
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, v]) => `${paint("2", `${key}=`)}${value(v)}`)
    .join(" ");
  const stack = (entry.err as { stack?: unknown } | undefined)?.stack;
  return [
    paint("90", time),
    paint(COLOURS[level] ?? "0", LEVELS[level] ?? String(level)),
    who ? paint("36", who) : "",
    String(entry.msg ?? ""),
    fields,
  ]
    .filter((part) => part !== "")
    .join("  ")
    .concat(typeof stack === "string" ? `\n${paint("90", stack)}` : "");
}

/** A pino destination that writes each line, made readable, to `out` (synchronously, as pino does). */
export function prettyDestination(
  out: { write(text: string): unknown },
  colour: boolean,
): { write(line: string): void } {
  return {
    write(line: string) {
      for (const one of line.split("\n")) if (one !== "") out.write(`${prettyLine(one, colour)}\n`);
    },
  };
}
