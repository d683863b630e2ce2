import { createHash } from "node:crypto";
import { TemplateValidationError } from "../template/errors.js";
import type { TaskTemplate } from "../template/schema.js";
import { DEFAULT_SHAPE_LIMITS, type ShapeLimits, shapeIssues } from "../template/shape-rules.js";
import type { Database } from "./database.js";
import type { TemplateGuard } from "./sql/insert-task-graph.js";
import { selectTemplates, selectTemplateVersions, upsertTemplate } from "./sql/templates.js";

/** A template version chosen for a new task, and what the create statement re-checks. */
export interface TemplateChoice {
  template: TaskTemplate;
  guard: TemplateGuard;
}

interface CachedVersion {
  template: TaskTemplate;
  contentHash: string;
}

/**
 * Registered template versions, persisted so that every process on the database (an API server
 * without the YAML files, say) can create tasks from them. Reads are served from memory and fall
 * back to the database for versions another process registered.
 */
export class TemplateStore {
  private readonly cache = new Map<string, CachedVersion>();
  /** Per template name, the newest version and how many versions there were when last read. */
  private readonly newest = new Map<string, { version: string; versionCount: number }>();
  /** Reads of a name under way: creates that miss the cache together share one read. */
  private readonly reading = new Map<string, Promise<CachedVersion[]>>();

  /** `limits`: the decision limits every registered template is checked against. */
  constructor(
    private readonly db: Database,
    private readonly limits: Partial<ShapeLimits> = {},
  ) {}

  /**
   * Registers versions, each checked first against the step-type rules with this store's decision
   * limits (a template object or YAML parsed elsewhere may have been checked with others):
   * TemplateValidationError naming what is wrong, nothing registered.
   */
  async register(templates: readonly TaskTemplate[]): Promise<void> {
    for (const template of templates) {
      const issues = shapeIssues(template.steps, { ...DEFAULT_SHAPE_LIMITS, ...this.limits });
      if (issues.length > 0) {
        const file = `${template.namespace_name}/${template.name}@${template.version}`;
        throw new TemplateValidationError(
          file,
          issues.map((i) => ({ file, step: i.step, key: i.key, message: i.message })),
        );
      }
    }
    for (const template of templates) {
      const definition = JSON.parse(JSON.stringify(template)) as TaskTemplate;
      const contentHash = createHash("sha256").update(JSON.stringify(definition)).digest("hex");
      await upsertTemplate(this.db, {
        namespace: template.namespace_name,
        name: template.name,
        version: template.version,
        definition,
        contentHash,
      });
      this.cache.set(key(template.namespace_name, template.name, template.version), {
        template: definition,
        contentHash,
      });
      this.newest.delete(nameKey(template.namespace_name, template.name));
    }
  }

  /** All registered versions (from the database, so other processes' registrations show too). */
  async list(): Promise<TaskTemplate[]> {
    const rows = await selectTemplates(this.db);
    return rows.map((r) => r.definition as TaskTemplate);
  }

  /** One version, or the newest version when `version` is omitted (read from the database). */
  async get(namespace: string, name: string, version?: string): Promise<TaskTemplate | undefined> {
    if (version) {
      const hit = this.cache.get(key(namespace, name, version));
      if (hit) return hit.template;
    }
    return (await this.read(namespace, name, version))?.template;
  }

  /**
   * The version a new task is created from: served from memory once read, with the guard its
   * create statement checks (so a version registered or redefined by another process since is
   * noticed there, without a read before every create). After a stale create, {@link forget}
   * the name and choose again.
   */
  async choose(namespace: string, name: string, version?: string): Promise<TemplateChoice | undefined> {
    if (version) {
      const hit =
        this.cache.get(key(namespace, name, version)) ?? (await this.read(namespace, name, version));
      return hit && { template: hit.template, guard: { contentHash: hit.contentHash, versionCount: null } };
    }
    const cached = this.newestCached(namespace, name);
    if (cached) return cached;
    await this.read(namespace, name);
    return this.newestCached(namespace, name);
  }

  /** The newest version as last read, guarded by the number of versions there were then. */
  private newestCached(namespace: string, name: string): TemplateChoice | undefined {
    const newest = this.newest.get(nameKey(namespace, name));
    const hit = newest && this.cache.get(key(namespace, name, newest.version));
    return (
      hit && {
        template: hit.template,
        guard: { contentHash: hit.contentHash, versionCount: newest.versionCount },
      }
    );
  }

  /** Drops what is cached for a template name: the next choice reads the database. */
  forget(namespace: string, name: string): void {
    this.newest.delete(nameKey(namespace, name));
    for (const k of this.cache.keys()) if (k.startsWith(`${nameKey(namespace, name)}/`)) this.cache.delete(k);
  }

  /** Versions registered for a template name (for "did you mean" errors). */
  async versions(namespace: string, name: string): Promise<string[]> {
    const rows = await selectTemplateVersions(this.db, namespace, name);
    return rows.map((r) => r.version).sort(compareSemver);
  }

  /** Reads every version of a name into the cache; returns the one asked for, or the newest. */
  private async read(namespace: string, name: string, version?: string): Promise<CachedVersion | undefined> {
    const k = nameKey(namespace, name);
    let versions = this.reading.get(k);
    if (!versions) {
      versions = this.readVersions(namespace, name).finally(() => this.reading.delete(k));
      this.reading.set(k, versions);
    }
    const read = await versions;
    return version ? read.find((v) => v.template.version === version) : read[0];
  }

  /** Every version of a name, newest first, into the cache. */
  private async readVersions(namespace: string, name: string): Promise<CachedVersion[]> {
    const rows = await selectTemplateVersions(this.db, namespace, name);
    const versions = rows.map((r) => ({
      template: r.definition as TaskTemplate,
      contentHash: r.content_hash,
    }));
    for (const v of versions) this.cache.set(key(namespace, name, v.template.version), v);
    versions.sort((a, b) => compareSemver(b.template.version, a.template.version));
    const newest = versions[0];
    if (newest)
      this.newest.set(nameKey(namespace, name), {
        version: newest.template.version,
        versionCount: rows.length,
      });
    else this.newest.delete(nameKey(namespace, name));
    return versions;
  }
}

const nameKey = (namespace: string, name: string) => `${namespace}/${name}`;
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
