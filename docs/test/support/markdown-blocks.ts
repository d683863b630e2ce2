// Fenced code blocks of a Markdown page, with the attributes written after the language:
//   ```sh {test background ready=http://localhost:3000/health}
// GitHub shows only the language; the attributes tell the docs tests what to do with the block.

export interface CodeBlock {
  /** The language (first word of the info string), "" when none. */
  lang: string;
  /** `{test wait=60 expect='"status": "complete"'}` -> {test: true, wait: "60", expect: '"status": "complete"'}. */
  attrs: Record<string, string | true>;
  /** The block's text, without the fence's indentation, ending with a newline. */
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

const FENCE = /^( {0,3}|\s*)(`{3,}|~{3,})\s*(.*)$/;

/** Splits `sh {a b=1 c="x y"}` into the language and its attributes. */
export function parseInfoString(info: string): { lang: string; attrs: Record<string, string | true> } {
  const match = /^([^\s{]*)\s*(?:\{(.*)\})?\s*$/.exec(info.trim());
  if (!match)
    throw new Error(`cannot read the code fence info string "${info}"; write it as: lang {attr key=value}`);
  const attrs: Record<string, string | true> = {};
  const body = match[2] ?? "";
  const token = /([A-Za-z_][\w-]*)(?:=(?:"([^"]*)"|'([^']*)'|(\S+)))?/g;
  let rest = body;
  for (const t of body.matchAll(token)) {
    attrs[t[1]!] = t[2] ?? t[3] ?? t[4] ?? true;
    rest = rest.replace(t[0], "");
  }
  if (rest.trim() !== "") {
    throw new Error(
      `cannot read "${rest.trim()}" in the code fence attributes {${body}}; use key or key=value`,
    );
  }
  return { lang: match[1] ?? "", attrs };
}

/** Every fenced block, in page order. Unclosed fences run to the end of the page, as in CommonMark. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const fence = open[2]!;
    const { lang, attrs } = parseInfoString(open[3] ?? "");
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = FENCE.exec(lines[j]!);
      if (close && close[2]!.startsWith(fence[0]!) && close[2]!.length >= fence.length && !close[3]?.trim())
        break;
      body.push(lines[j]!.slice(Math.min(indent, lines[j]!.length - lines[j]!.trimStart().length)));
    }
    blocks.push({ lang, attrs, code: body.length > 0 ? `${body.join("\n")}\n` : "", line: i + 1 });
    i = j;
  }
  return blocks;
}
