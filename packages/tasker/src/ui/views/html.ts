import type { html } from "hono/html";

/** What the `html` tag returns: escaped markup (a promise only if a part was async). */
export type Html = ReturnType<typeof html>;

/** Markup as a string (views here are synchronous; awaiting keeps that an implementation detail). */
export async function renderToString(markup: Html): Promise<string> {
  return (await markup).toString();
}
