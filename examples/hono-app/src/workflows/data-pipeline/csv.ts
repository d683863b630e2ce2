// A small RFC 4180 CSV reader: header row, quoted fields ("" escapes a quote), CRLF or LF.
// Numbers are left as strings; the validation step decides what a column must hold.

export function parseCsv(text: string): Record<string, string>[] {
  const records = parseRecords(text.replace(/^\uFEFF/, ""));
  const header = records.shift();
  if (!header || header.every((h) => h.trim() === "")) throw new Error("CSV has no header row");
  const names = header.map((h) => h.trim());
  return records
    .filter((fields) => !(fields.length === 1 && fields[0] === ""))
    .map((fields) => Object.fromEntries(names.map((name, i) => [name, fields[i] ?? ""])));
}

function parseRecords(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      fields.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      fields.push(field);
      records.push(fields);
      fields = [];
      field = "";
    } else field += ch;
  }
  if (quoted) throw new Error('CSV ends inside a quoted field (a closing " is missing)');
  if (field !== "" || fields.length > 0) {
    fields.push(field);
    records.push(fields);
  }
  return records;
}
