/** The identity of a template version: `namespace/name/version` (unique across all loaded files). */
export function templateKey(t: { namespace_name: string; name: string; version: string }): string {
  return `${t.namespace_name}/${t.name}/${t.version}`;
}
