import type { Queryable } from "../database.js";

export interface TemplateRow {
  namespace: string;
  name: string;
  version: string;
  definition: unknown;
  content_hash: string;
  updated_at: Date;
}

/** Registers a template version; re-registering the same version replaces its definition. */
export async function upsertTemplate(
  q: Queryable,
  t: { namespace: string; name: string; version: string; definition: unknown; contentHash: string },
): Promise<void> {
  await q.query(
    `INSERT INTO tasker.task_templates (namespace, name, version, definition, content_hash)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (namespace, name, version) DO UPDATE
       SET definition = EXCLUDED.definition, content_hash = EXCLUDED.content_hash, updated_at = now()
       WHERE tasker.task_templates.content_hash <> EXCLUDED.content_hash`,
    [t.namespace, t.name, t.version, JSON.stringify(t.definition), t.contentHash],
  );
}

export function selectTemplates(q: Queryable) {
  return q.query<TemplateRow>("SELECT * FROM tasker.task_templates ORDER BY namespace, name, version");
}

export async function selectTemplateVersions(q: Queryable, namespace: string, name: string) {
  return q.query<TemplateRow>("SELECT * FROM tasker.task_templates WHERE namespace = $1 AND name = $2", [
    namespace,
    name,
  ]);
}
