export interface InterpolationIssue {
  path: (string | number)[];
  message: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed config (after parsing, so
 * a value containing quotes or `#` cannot break the TOML). `${VAR:-default}` uses the default when
 * VAR is unset or empty, as in the shell; `${VAR}` with VAR unset is an error; `$${` is a literal `${`.
 */
export function interpolateEnv(value: unknown, env: Env): { value: unknown; issues: InterpolationIssue[] } {
  const issues: InterpolationIssue[] = [];
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === "string") {
      const result = interpolateString(v, env);
      if ("error" in result) {
        issues.push({ path, message: result.error });
        return v;
      }
      return result.value;
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (isTable(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, child]) => [k, walk(child, [...path, k])]));
    }
    return v; // numbers, booleans, TOML dates
  };
  return { value: walk(value, []), issues };
}

/** Interpolates one string. */
export function interpolateString(text: string, env: Env): { value: string } | { error: string } {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      out += "${";
      i += 3;
      continue;
    }
    if (!text.startsWith("${", i)) {
      out += text[i];
      i += 1;
      continue;
    }
    const close = text.indexOf("}", i + 2);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows the interpolation syntax
    const hint = "write ${NAME} or ${NAME:-default} ($${ for a literal ${)";
    if (close === -1) return { error: `unclosed "\${"; ${hint}` };
    const inner = text.slice(i + 2, close);
    const match = REFERENCE.exec(inner);
    if (!match || match[2]?.includes("${")) {
      return { error: `"\${${inner}}" is not a valid reference; ${hint}` };
    }
    const [, name, fallback] = match as unknown as [string, string, string | undefined];
    const set = env[name];
    if (set !== undefined && (set !== "" || fallback === undefined)) out += set;
    else if (fallback !== undefined) out += fallback;
    else
      return {
        error: `environment variable ${name} is not set; set it, or give a default: \${${name}:-value}`,
      };
    i = close + 1;
  }
  return { value: out };
}

/** A TOML table (smol-toml builds them without a prototype) or a plain object. */
function isTable(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}
