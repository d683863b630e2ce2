import * as fc from "fast-check";

/** Strings that have broken servers before: injection, encodings, control characters, sizes. */
export const NASTY_STRINGS = [
  "",
  " ",
  "' OR '1'='1",
  "'; DROP TABLE tasker.tasks; --",
  '"; DELETE FROM tasker.workflow_steps; --',
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udfffy",
  "%00",
  "%",
  "../../etc/passwd",
  "x".repeat(20_000),
  "😀".repeat(600),
  "<script>alert(1)</script>",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the attack
  "${jndi:ldap://127.0.0.1/x}",
  "{{7*7}}",
  "null",
  "undefined",
  "NaN",
  "-1",
  "1e999",
  "0x10",
  "[]",
  "{}",
  "\\",
  '"',
  "\n\r\t\u0007",
  "\u202e\u200b\ufeff",
];

/** Any UTF-16 code unit, lone surrogates and NUL included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ unit: anyCodeUnit, maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
);

const deep = (depth: number, leaf: unknown): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { d: v };
  return v;
};

/** Any JSON value, leaning towards the hostile ones. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.anything({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    Number.MAX_SAFE_INTEGER + 2,
    1e308,
    -0,
    0.1,
    [],
    {},
    { __proto__: { polluted: true } },
  ),
  fc.integer({ min: 8, max: 60 }).map((d) => deep(d, "x")),
  fc
    .integer({ min: 1001, max: 1100 })
    .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
);

/** A request: the method and path as sent, headers, and a body (text or raw bytes). */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

interface ParameterDoc {
  name: string;
  in: string;
  schema?: { type?: string; enum?: string[] };
}
interface OperationDoc {
  parameters?: ParameterDoc[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
}
export interface OpenApiDoc {
  paths: Record<string, Record<string, OperationDoc>>;
  components?: { schemas?: Record<string, Record<string, unknown>> };
}

export interface FuzzOperation {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: ParameterDoc[];
  /** Property names the request body schema declares (every oneOf branch). */
  bodyProperties: string[] | null;
}

function resolve(schema: Record<string, unknown>, doc: OpenApiDoc): Record<string, unknown> {
  const ref = schema.$ref as string | undefined;
  return ref ? (doc.components?.schemas?.[ref.split("/").at(-1)!] ?? {}) : schema;
}

function propertyNames(schema: Record<string, unknown>, doc: OpenApiDoc): string[] {
  const s = resolve(schema, doc);
  const own = Object.keys((s.properties as Record<string, unknown> | undefined) ?? {});
  const branches = ((s.oneOf ?? s.anyOf ?? []) as Record<string, unknown>[]).flatMap((b) =>
    propertyNames(b, doc),
  );
  return [...new Set([...own, ...branches])];
}

/** Every operation of the API as the OpenAPI document describes it. */
export function operationsOf(doc: OpenApiDoc): FuzzOperation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const params = op.parameters ?? [];
      const body = op.requestBody?.content["application/json"]?.schema;
      return {
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === "path").map((p) => p.name),
        queryParams: params.filter((p) => p.in === "query"),
        bodyProperties: body ? propertyNames(body, doc) : null,
      };
    }),
  );
}

export function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return "%ED%A0%80"; // a lone surrogate, as a client that does not check would send it
  }
}

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/xml",
  "",
];

/**
 * Requests for one operation: valid path ids or hostile ones, declared query parameters with
 * hostile values, and the valid body with one declared (or undeclared) property replaced by a
 * hostile value - or a body that is not JSON at all.
 */
export function requestsFor(
  op: FuzzOperation,
  valid: { pathIds: Record<string, string>; body: Record<string, unknown> | undefined },
): fc.Arbitrary<FuzzRequest> {
  const pathValue = (name: string) =>
    fc.oneof(
      { arbitrary: fc.constant(valid.pathIds[name] ?? "x"), weight: 3 },
      { arbitrary: fc.uuid(), weight: 1 },
      { arbitrary: nastyString.filter((s) => s.length > 0), weight: 2 },
    );
  const path = fc
    .tuple(...op.pathParams.map((n) => pathValue(n).map((v) => [n, v] as const)))
    .map((pairs) =>
      pairs.reduce((p, [name, value]) => p.replace(`{${name}}`, encodeSegment(value)), op.path),
    );
  const query = fc
    .tuple(
      ...op.queryParams.map((p) =>
        fc.option(
          fc.oneof(fc.constantFrom(...(p.schema?.enum ?? ["1", "0", "500", "501", "-1"])), nastyString),
          { nil: undefined },
        ),
      ),
    )
    .map((values) => {
      const parts = values.flatMap((v, i) =>
        v === undefined ? [] : [`${encodeURIComponent(op.queryParams[i]!.name)}=${encodeSegment(v)}`],
      );
      return parts.length > 0 ? `?${parts.join("&")}` : "";
    });
  const jsonBody: fc.Arbitrary<string | Uint8Array | undefined> =
    op.bodyProperties === null
      ? fc.constant(undefined)
      : fc.oneof(
          {
            weight: 6,
            arbitrary: fc
              .record({
                field: fc.constantFrom(...op.bodyProperties, "not_a_field"),
                value: nastyValue,
              })
              .map(({ field, value }) => JSON.stringify({ ...valid.body, [field]: value })),
          },
          {
            weight: 3,
            arbitrary: fc
              .record({ key: nastyString, value: nastyValue })
              .map(({ key, value }) =>
                JSON.stringify({ ...valid.body, context: { [key]: value, also: [key, value] } }),
              ),
          },
          { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
          { weight: 1, arbitrary: fc.string({ unit: anyCodeUnit, maxLength: 200 }) },
          { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }) },
        );
  return fc
    .record({
      path,
      query,
      body: jsonBody,
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constant("application/json") },
        { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      ),
    })
    .map(({ path: p, query: q, body, contentType }): FuzzRequest => {
      const headers: Record<string, string> = {};
      if (body !== undefined && contentType) headers["content-type"] = contentType;
      return { method: op.method, path: p + q, headers, ...(body !== undefined ? { body } : {}) };
    });
}
