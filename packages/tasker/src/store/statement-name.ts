import { createHash } from "node:crypto";

/**
 * The name a statement is prepared under on both drivers: a hash of its text, so each connection
 * parses and plans it once, then only binds and executes. The engine's statements are a small
 * fixed set (their text never embeds values), so a session's prepared statements stay few. A
 * statement without parameters stays unnamed (parsed on every run): SQL built at run time never
 * piles up in a session.
 */
export function statementName(sql: string, params: readonly unknown[] | undefined): string {
  if (!params || params.length === 0) return "";
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `tasker_${createHash("sha1").update(sql).digest("hex").slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}
const statementNames = new Map<string, string>();
