import * as fc from "fast-check";
import { encodeSegment, type FuzzRequest, nastyString } from "./fuzz.js";

/** A dashboard route and the inputs it reads. */
export interface DashboardRoute {
  method: "GET" | "POST";
  /** As the dashboard app registers it, below its base path (`/ui`). */
  path: string;
  /** Query parameters the route reads. */
  query: readonly string[];
  /** Form fields a POST reads. */
  form: readonly string[];
}

/**
 * Every route of the dashboard (src/ui) with its query parameters and form fields. The dashboard
 * has no OpenAPI document; the scenario checks this list against the app's own route table, so a
 * new route fails the run until it is added here.
 */
export const DASHBOARD_ROUTES: readonly DashboardRoute[] = [
  { method: "GET", path: "/", query: [], form: [] },
  { method: "GET", path: "/assets/:name{.+}", query: ["v"], form: [] },
  { method: "GET", path: "/login", query: ["next"], form: [] },
  { method: "POST", path: "/login", query: [], form: ["key", "next"] },
  { method: "POST", path: "/logout", query: [], form: [] },
  {
    method: "GET",
    path: "/tasks",
    query: ["q", "namespace", "template", "status", "period", "limit", "offset", "partial"],
    form: [],
  },
  { method: "GET", path: "/tasks/:task_uuid", query: ["step", "done"], form: [] },
  { method: "GET", path: "/tasks/:task_uuid/live", query: ["step", "v"], form: [] },
  { method: "POST", path: "/tasks/:task_uuid/cancel", query: [], form: ["reason"] },
  {
    method: "POST",
    path: "/tasks/:task_uuid/steps/:step_uuid/action",
    query: [],
    form: ["action_type", "reason", "result"],
  },
  { method: "GET", path: "/templates", query: [], form: [] },
  { method: "GET", path: "/templates/:namespace/:name/:version", query: [], form: [] },
  { method: "GET", path: "/queues", query: ["partial"], form: [] },
  { method: "GET", path: "/api/queues", query: [], form: [] },
  { method: "GET", path: "/api/workers", query: [], form: [] },
  { method: "GET", path: "/api/tasks/:task_uuid/transitions", query: [], form: [] },
];

/** The largest form the dashboard reads (src/ui/dashboard-app.ts MAX_FORM_BYTES). */
export const MAX_FORM_BYTES = 1024 * 1024 + 16 * 1024;

/**
 * Query values as they go on the wire, unencoded: what a browser never sends (NUL, CR/LF, broken
 * percent-encoding, overlong and invalid UTF-8) and sizes from too long to too long for Node.
 */
const RAW_QUERY_VALUES = [
  "%00",
  "a%00b",
  "%0D%0AX-Injected:%201",
  "%0A",
  "%",
  "%ZZ",
  "%E0%A4%A",
  "%ED%A0%80",
  "%FF%FE",
  "%C0%AF",
  "+",
  "..%2F..%2Fv1",
  "%2F%2Fevil.example",
  "x".repeat(300),
  "y".repeat(8_000),
  "z".repeat(20_000),
];

/** Values the routes accept, so the fuzzing gets past the checks into the pages. */
const VALID_VALUES: Record<string, readonly string[]> = {
  q: ["reliability"],
  namespace: ["reliability"],
  template: ["reliability/single"],
  status: ["error", "complete"],
  period: ["24h"],
  limit: ["50"],
  offset: ["0", "25"],
  partial: ["results", "live"],
  step: ["only", "first"],
  done: ["cancelled", "complete_manually"],
  v: ["0"],
  next: ["/ui/tasks", "/ui/queues?partial=live"],
  action_type: ["reset_for_retry", "resolve_manually", "complete_manually"],
  reason: ["fuzz"],
  result: ['{"fuzz": true}', "null"],
};

/** The ids and key the generated requests use when they are not being hostile. */
export interface DashboardFuzzContext {
  /** Where the dashboard is mounted, e.g. `/ui`. */
  base: string;
  /** The server's origin (`http://127.0.0.1:1234`): same-origin form posts carry it. */
  origin: string;
  apiKey: string;
  /** Values for path parameters (task_uuid, step_uuid, namespace, name, version, name of an asset). */
  pathIds: Record<string, readonly string[]>;
}

const queryValue = (name: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...(VALID_VALUES[name] ?? ["1"])) },
    { weight: 3, arbitrary: nastyString.map(encodeSegment) },
    { weight: 3, arbitrary: fc.constantFrom(...RAW_QUERY_VALUES) },
  );

const formValue = (name: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...(VALID_VALUES[name] ?? ["x"])) },
    { weight: 4, arbitrary: nastyString },
    { weight: 1, arbitrary: fc.constantFrom("x".repeat(100_000), "{".repeat(50_000), '"\\u0000"') },
  );

function multipart(fields: [string, string][], boundary: string): string {
  return `${fields
    .map(
      ([k, v]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${k.replace(/["\r\n]/g, "_")}"\r\n\r\n${v}\r\n`,
    )
    .join("")}--${boundary}--\r\n`;
}

/** A form body for `fields`, in every encoding a client might (mis)use, or far too large. */
function formBody(
  fields: readonly string[],
): fc.Arbitrary<{ body: string | Uint8Array; contentType?: string }> {
  const entries = fc
    .tuple(
      ...[...fields, "not_a_field"].map((f) =>
        fc.option(
          formValue(f).map((v) => [f, v] as [string, string]),
          { nil: undefined, freq: 3 },
        ),
      ),
    )
    .map((pairs) => pairs.filter((p): p is [string, string] => p !== undefined));
  const urlencoded = "application/x-www-form-urlencoded";
  return fc.oneof(
    {
      weight: 8,
      arbitrary: entries.map((e) => ({ body: new URLSearchParams(e).toString(), contentType: urlencoded })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...fields, "x"), fc.constantFrom(...RAW_QUERY_VALUES))
        .map(([f, raw]) => ({ body: `${f}=${raw}&${f}=${raw}`, contentType: urlencoded })),
    },
    {
      weight: 2,
      arbitrary: entries.map((e) => ({
        body: multipart(e, "fuzzboundary"),
        contentType: "multipart/form-data; boundary=fuzzboundary",
      })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { body: "--x\r\nnot a part", contentType: "multipart/form-data; boundary=x" },
        { body: "a=1", contentType: "multipart/form-data" },
        { body: '{"reason": "json"}', contentType: "application/json" },
        { body: "reason=plain", contentType: "text/plain" },
        { body: "reason=none" },
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 256 })
        .map((b) => ({ body: b, contentType: urlencoded })),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1, max: 64 * 1024 })
        .map((extra) => ({ body: `reason=${"a".repeat(MAX_FORM_BYTES + extra)}`, contentType: urlencoded })),
    },
  );
}

const HX_CURRENT_URLS = [
  "http://127.0.0.1/ui/tasks?q=%00",
  "not a url",
  "javascript:alert(1)",
  "//evil.example/x",
];

/**
 * Requests for one dashboard route: valid or hostile path parameters, its query parameters with
 * hostile values (raw and encoded) plus undeclared and repeated ones, forms in odd encodings and
 * sizes, with or without the key, the same origin, htmx's headers.
 */
export function dashboardRequestsFor(
  route: DashboardRoute,
  ctx: DashboardFuzzContext,
): fc.Arbitrary<FuzzRequest> {
  const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const pathValue = (name: string) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...(ctx.pathIds[name] ?? ["x"])).map(encodeURI) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: nastyString.filter((s) => s.length > 0).map(encodeSegment) },
      { weight: 1, arbitrary: fc.constantFrom("%00", "%2e%2e", "%ZZ", "x%0D%0Ay") },
    );
  const path = fc
    .tuple(...params.map((n) => pathValue(n).map((v) => [n, v] as const)))
    .map((pairs) =>
      pairs.reduce(
        (p, [name, value]) => p.replace(new RegExp(`:${name}(\\{[^}]*\\})?`), value),
        `${ctx.base}${route.path === "/" ? "" : route.path}`,
      ),
    );
  const query = fc
    .tuple(
      ...route.query.map((name) =>
        fc.option(
          queryValue(name).map((v) => `${name}=${v}`),
          { nil: undefined },
        ),
      ),
      fc.option(fc.constantFrom("extra=1", "q=a&q=b", "=x", "&&", "%00=%00"), { nil: undefined, freq: 4 }),
    )
    .map((parts) => {
      const present = parts.filter((p): p is string => p !== undefined);
      return present.length > 0 ? `?${present.join("&")}` : "";
    });
  const body =
    route.method === "POST"
      ? formBody(route.form).map((b) => b as typeof b | undefined)
      : fc.constant(undefined);
  return fc
    .record({
      path,
      query,
      body,
      key: fc.oneof(
        { weight: 6, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      origin: fc.oneof(
        { weight: 8, arbitrary: fc.constant(ctx.origin) },
        { weight: 1, arbitrary: fc.constantFrom(undefined, "null", "https://evil.example") },
      ),
      htmx: fc.boolean(),
      currentUrl: fc.option(fc.constantFrom(...HX_CURRENT_URLS), { nil: undefined, freq: 4 }),
    })
    .map((r): FuzzRequest => {
      const headers: Record<string, string> = {};
      if (r.key) headers["x-api-key"] = ctx.apiKey;
      if (r.htmx) headers["hx-request"] = "true";
      if (r.currentUrl) headers["hx-current-url"] = r.currentUrl;
      if (route.method === "POST" && r.origin) headers.origin = r.origin;
      if (r.body?.contentType) headers["content-type"] = r.body.contentType;
      return {
        method: route.method,
        path: r.path + r.query,
        headers,
        ...(r.body ? { body: r.body.body } : {}),
      };
    });
}
