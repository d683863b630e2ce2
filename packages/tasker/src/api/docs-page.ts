// Renders the OpenAPI document as one self-contained HTML page (no scripts, no CDN), so the
// reference works offline and behind any firewall, and always matches the running server.

/** The subset of OpenAPI 3 the page reads. */
export interface OpenApiDocumentLike {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, OperationLike | unknown>>;
  components?: { schemas?: Record<string, SchemaLike> };
}

interface OperationLike {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  "x-required-permission"?: string;
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: SchemaLike }[];
  requestBody?: { content?: Record<string, { schema?: SchemaLike }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: SchemaLike }> }>;
}

export interface SchemaLike {
  $ref?: string;
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  items?: SchemaLike;
  properties?: Record<string, SchemaLike>;
  required?: string[];
  additionalProperties?: boolean | SchemaLike;
  oneOf?: SchemaLike[];
  anyOf?: SchemaLike[];
  allOf?: SchemaLike[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  description?: string;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function refName(ref: string): string {
  return ref.split("/").pop() ?? ref;
}

function anchor(kind: string, id: string): string {
  return `${kind}-${id.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

/** A one-line type, e.g. `string (uuid)`, `array of StepResponse`, `"a" | "b"`. */
export function typeLabel(schema: SchemaLike | undefined): string {
  if (!schema) return "any";
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return `<a href="#${anchor("schema", name)}">${escapeHtml(name)}</a>`;
  }
  const nullable = schema.nullable || (Array.isArray(schema.type) && schema.type.includes("null"));
  const suffix = nullable ? " | null" : "";
  if (schema.enum)
    return schema.enum.map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(" | ") + suffix;
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return alternatives.map(typeLabel).join(" | ") + suffix;
  if (schema.allOf) return schema.allOf.map(typeLabel).join(" &amp; ") + suffix;
  const type = Array.isArray(schema.type) ? schema.type.filter((t) => t !== "null").join(" | ") : schema.type;
  if (type === "array") return `array of ${typeLabel(schema.items)}${suffix}`;
  if (type === "object" && !schema.properties && schema.additionalProperties) {
    const values = schema.additionalProperties === true ? "any" : typeLabel(schema.additionalProperties);
    return `map of ${values}${suffix}`;
  }
  const format = schema.format ? ` (${escapeHtml(schema.format)})` : "";
  return `${escapeHtml(type ?? "any")}${format}${suffix}`;
}

function constraints(schema: SchemaLike): string {
  const parts: string[] = [];
  if (schema.minimum !== undefined) parts.push(`min ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`max ${schema.maximum}`);
  if (schema.minLength !== undefined) parts.push(`min length ${schema.minLength}`);
  if (schema.maxLength !== undefined) parts.push(`max length ${schema.maxLength}`);
  if (schema.pattern) parts.push(`pattern <code>${escapeHtml(schema.pattern)}</code>`);
  if (schema.default !== undefined)
    parts.push(`default <code>${escapeHtml(JSON.stringify(schema.default))}</code>`);
  if (schema.description) parts.push(escapeHtml(schema.description));
  return parts.join("; ");
}

/** A table of an object's properties; unions list each alternative. */
export function schemaTable(schema: SchemaLike | undefined): string {
  if (!schema) return "";
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives && !schema.properties) {
    return `<p>One of:</p>${alternatives.map((alt) => `<div class="alt">${schemaTable(alt) || typeLabel(alt)}</div>`).join("")}`;
  }
  if (!schema.properties) return `<p>${typeLabel(schema)}</p>`;
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties)
    .map(
      ([name, prop]) =>
        `<tr><td><code>${escapeHtml(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ""}</td>` +
        `<td>${typeLabel(prop)}</td><td>${constraints(prop)}</td></tr>`,
    )
    .join("");
  return `<table><thead><tr><th>Field</th><th>Type</th><th>Notes</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function renderOperation(method: string, path: string, op: OperationLike): string {
  const id = anchor("op", `${method}-${path}`);
  const permission = op["x-required-permission"];
  const auth = permission
    ? `<p class="auth">Requires an <code>X-API-Key</code> with <code>${escapeHtml(permission)}</code> (when auth is enabled).</p>`
    : `<p class="auth">Open: no API key needed.</p>`;
  const params = op.parameters?.length
    ? `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Notes</th></tr></thead><tbody>${op.parameters
        .map(
          (p) =>
            `<tr><td><code>${escapeHtml(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ""}</td>` +
            `<td>${escapeHtml(p.in)}</td><td>${typeLabel(p.schema)}</td><td>${p.schema ? constraints(p.schema) : ""}${p.description ? escapeHtml(p.description) : ""}</td></tr>`,
        )
        .join("")}</tbody></table>`
    : "";
  const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
  const body = bodySchema ? `<h4>Request body (application/json)</h4>${schemaTable(bodySchema)}` : "";
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => {
      const content = Object.entries(r.content ?? {})[0];
      const type = content
        ? ` &mdash; <code>${escapeHtml(content[0])}</code> ${typeLabel(content[1].schema)}`
        : "";
      return `<li><span class="status s${escapeHtml(status[0])}">${escapeHtml(status)}</span> ${escapeHtml(r.description ?? "")}${type}</li>`;
    })
    .join("");
  return `<section class="op" id="${id}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
${op.summary ? `<p class="summary">${escapeHtml(op.summary)}</p>` : ""}
${op.description ? `<p>${escapeHtml(op.description)}</p>` : ""}
${auth}${params}${body}
<h4>Responses</h4><ul class="responses">${responses}</ul>
</section>`;
}

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header{background:#1d2330;color:#fff;padding:24px 40px}header p{color:#c6cbd6;margin:4px 0 0}
main{display:grid;grid-template-columns:260px 1fr;gap:32px;padding:24px 40px}
nav{position:sticky;top:16px;align-self:start;font-size:13px}nav a{display:block;color:#1d2330;text-decoration:none;padding:2px 0}
nav h2{font-size:12px;text-transform:uppercase;color:#6b7385;margin:16px 0 4px}
.op{background:#fff;border:1px solid #e3e6eb;border-radius:8px;padding:8px 20px 12px;margin-bottom:20px}
.method{display:inline-block;min-width:60px;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:2px 6px;margin-right:6px}
.get{background:#2f80ed}.post{background:#27ae60}.patch{background:#f2994a}.delete{background:#eb5757}.put{background:#9b51e0}
table{border-collapse:collapse;width:100%;font-size:13px;margin:4px 0 8px}td,th{border-bottom:1px solid #eef0f3;text-align:left;padding:4px 8px;vertical-align:top}
code{font-family:ui-monospace,Menlo,monospace;font-size:12.5px}.req{color:#eb5757;font-size:11px}
.status{display:inline-block;min-width:36px;font-weight:600}.s2{color:#27ae60}.s4{color:#f2994a}.s5{color:#eb5757}
.auth{color:#6b7385;font-size:13px}.summary{font-weight:600}.alt{border-left:3px solid #e3e6eb;padding-left:12px;margin:6px 0}
`;

/** The whole reference page for an OpenAPI document. */
export function renderApiReference(doc: OpenApiDocumentLike): string {
  const byTag = new Map<string, { method: string; path: string; op: OperationLike }[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method] as OperationLike | undefined;
      if (!op) continue;
      const tag = op.tags?.[0] ?? "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push({ method, path, op });
    }
  }
  const nav = [...byTag]
    .map(
      ([tag, ops]) =>
        `<h2>${escapeHtml(tag)}</h2>${ops
          .map(
            ({ method, path }) =>
              `<a href="#${anchor("op", `${method}-${path}`)}">${method.toUpperCase()} ${escapeHtml(path)}</a>`,
          )
          .join("")}`,
    )
    .join("");
  const schemas = Object.entries(doc.components?.schemas ?? {});
  const sections = [...byTag]
    .map(
      ([tag, ops]) =>
        `<h2>${escapeHtml(tag)}</h2>${ops.map(({ method, path, op }) => renderOperation(method, path, op)).join("")}`,
    )
    .join("");
  const schemaSections = schemas
    .map(
      ([name, schema]) =>
        `<section class="op" id="${anchor("schema", name)}"><h3><code>${escapeHtml(name)}</code></h3>${schemaTable(schema)}</section>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(doc.info.title)} ${escapeHtml(doc.info.version)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(doc.info.title)} <small>${escapeHtml(doc.info.version)}</small></h1>
${doc.info.description ? `<p>${escapeHtml(doc.info.description)}</p>` : ""}<p>Machine-readable: <a style="color:#9cc3ff" href="openapi.json">/openapi.json</a></p></header>
<main><nav>${nav}<h2>schemas</h2>${schemas.map(([n]) => `<a href="#${anchor("schema", n)}">${escapeHtml(n)}</a>`).join("")}</nav>
<div>${sections}<h2>Schemas</h2>${schemaSections}</div></main></body></html>`;
}
