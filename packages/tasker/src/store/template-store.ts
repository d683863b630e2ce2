import { createHash } from "node:crypto";
import type { TaskTemplate } from "../template/schema.js";
import type { Database } from "./database.js";
import { selectTemplates, selectTemplateVersions, upsertTemplate } from "./sql/templates.js";

/**
 * Registered template versions, persisted so that every process on the database (an API server
 * without the YAML files, say) can create tasks from them. Reads are served from memory and fall
 * back to the database for versions another process registered.
 */
export class TemplateStore {
  private readonly cache = new Map<string, TaskTemplate>();

  constructor(private readonly db: Database) {}

  async register(templates: readonly TaskTemplate[]): Promise<void> {
    for (const template of templates) {
      const definition = JSON.parse(JSON.stringify(template)) as TaskTemplate;
      await upsertTemplate(this.db, {
        namespace: template.namespace_name,
        name: template.name,
        version: template.version,
        definition,
        contentHash: createHash("sha256").update(JSON.stringify(definition)).digest("hex"),
      });
      this.cache.set(key(template.namespace_name, template.name, template.version), definition);
    }
  }

  /** All registered versions (from the database, so other processes' registrations show too). */
  async list(): Promise<TaskTemplate[]> {
    const rows = await selectTemplates(this.db);
    return rows.map((r) => r.definition as TaskTemplate);
  }

  /** One version, or the newest version when `version` is omitted. */
  async get(namespace: string, name: string, version?: string): Promise<TaskTemplate | undefined> {
    if (version) {
      const hit = this.cache.get(key(namespace, name, version));
      if (hit) return hit;
    }
    const rows = await selectTemplateVersions(this.db, namespace, name);
    const templates = rows.map((r) => r.definition as TaskTemplate);
    for (const t of templates) this.cache.set(key(t.namespace_name, t.name, t.version), t);
    if (version) return templates.find((t) => t.version === version);
    return templates.sort((a, b) => compareSemver(b.version, a.version))[0];
  }

  /** Versions registered for a template name (for "did you mean" errors). */
  async versions(namespace: string, name: string): Promise<string[]> {
    const rows = await selectTemplateVersions(this.db, namespace, name);
    return rows.map((r) => r.version).sort(compareSemver);
  }
}

const key = (namespace: string, name: string, version: string) => `${namespace}/${name}/${version}`;

/** Orders semver strings by semver precedence (pre-releases before their release; build ignored). */
export function compareSemver(a: string, b: string): number {
  const pa = parseSemver(a);
  const pb = parseSemver(b);
  for (let i = 0; i < 3; i++) {
    const d = (pa.nums[i] ?? 0) - (pb.nums[i] ?? 0);
    if (d !== 0) return d;
  }
  return comparePrerelease(pa.pre, pb.pre);
}

function parseSemver(v: string): { nums: number[]; pre: string | undefined } {
  const withoutBuild = v.split("+")[0]!;
  // Only the first "-" starts the pre-release: "1.0.0-rc-1" is pre-release "rc-1".
  const dash = withoutBuild.indexOf("-");
  const core = dash === -1 ? withoutBuild : withoutBuild.slice(0, dash);
  return {
    nums: core.split(".").map((n) => Number.parseInt(n, 10) || 0),
    pre: dash === -1 ? undefined : withoutBuild.slice(dash + 1),
  };
}

/**
 * Semver 2.0 rule 11: identifiers compare one by one, numeric ones numerically ("beta.2" <
 * "beta.11") and below alphanumeric ones; when all shared ones are equal, more identifiers win.
 */
function comparePrerelease(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const ia = a.split(".");
  const ib = b.split(".");
  for (let i = 0; i < Math.min(ia.length, ib.length); i++) {
    const x = ia[i]!;
    const y = ib[i]!;
    if (x === y) continue;
    const xNumeric = /^\d+$/.test(x);
    const yNumeric = /^\d+$/.test(y);
    if (xNumeric && yNumeric) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      continue;
    }
    if (xNumeric !== yNumeric) return xNumeric ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return ia.length - ib.length;
}
