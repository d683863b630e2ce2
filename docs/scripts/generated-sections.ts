// Parts of hand-written pages that are generated from code, between marker comments:
//   <!-- generated:NAME -->
//   ...content...
//   <!-- /generated:NAME -->

const open = (name: string) => `<!-- generated:${name} -->`;
const close = (name: string) => `<!-- /generated:${name} -->`;

/** The page with the named section's content replaced. Throws when the markers are missing. */
export function replaceGeneratedSection(page: string, name: string, content: string): string {
  const start = page.indexOf(open(name));
  const end = page.indexOf(close(name));
  if (start === -1 || end === -1 || end < start) {
    throw new Error(
      `the page has no generated section "${name}"; add the lines ${open(name)} and ${close(name)} where it belongs`,
    );
  }
  const body = content.endsWith("\n") ? content : `${content}\n`;
  return `${page.slice(0, start)}${open(name)}\n${body}${page.slice(end)}`;
}

/** The current content of the named section, or undefined when the markers are missing. */
export function readGeneratedSection(page: string, name: string): string | undefined {
  const start = page.indexOf(open(name));
  const end = page.indexOf(close(name));
  if (start === -1 || end === -1 || end < start) return undefined;
  return page.slice(start + open(name).length + 1, end);
}
