import { isStorableText, unstorableTextProblem } from "./storable-text.js";
import { CONTEXT_LIMITS } from "./task-request.js";

/** Why a task context (or a manual result) is over the limits of {@link CONTEXT_LIMITS}. */
export interface ContextLimitViolation {
  code: "PAYLOAD_TOO_LARGE" | "BAD_REQUEST";
  message: string;
  path: string;
}

/**
 * Checks a task context against the contract's limits (1 MiB, depth 10, 1,000 keys, strings of
 * 10,000 characters). Iterative, so a hostile, deeply nested value cannot exhaust the stack.
 */
export function checkContextLimits(value: unknown, limits = CONTEXT_LIMITS): ContextLimitViolation | null {
  const size = serializedBytes(value);
  if (typeof size === "number" && size > limits.maxBytes) {
    return {
      code: "PAYLOAD_TOO_LARGE",
      path: "context",
      message: `context is ${size} bytes; the limit is ${limits.maxBytes} bytes (1 MiB). Store large data elsewhere and pass a reference`,
    };
  }
  const violation = checkStructure(value, limits);
  if (violation || typeof size === "number") return violation;
  // JSON.stringify failed, yet nothing is too deep: a string too long to build, or a non-JSON value.
  return size instanceof RangeError
    ? {
        code: "PAYLOAD_TOO_LARGE",
        path: "context",
        message: `context is too large to serialise; the limit is ${limits.maxBytes} bytes (1 MiB). Store large data elsewhere and pass a reference`,
      }
    : {
        code: "BAD_REQUEST",
        path: "context",
        message: `context is not JSON (${size.message}); send plain JSON values`,
      };
}

/**
 * UTF-8 size of the JSON text, or the error JSON.stringify threw: it recurses, so a value nested
 * deeper than the call stack throws RangeError (the structural check then names the depth).
 */
function serializedBytes(value: unknown): number | Error {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Depth, key count and string length, walked with an explicit stack. */
function checkStructure(value: unknown, limits: typeof CONTEXT_LIMITS): ContextLimitViolation | null {
  let keys = 0;
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: "context", depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === "string" && v.length > limits.maxStringLength) {
      return {
        code: "BAD_REQUEST",
        path,
        message: `${path} is a string of ${v.length} characters; the limit is ${limits.maxStringLength}`,
      };
    }
    if (typeof v === "string" && !isStorableText(v)) {
      return { code: "BAD_REQUEST", path, message: `${path} ${unstorableTextProblem(v)}; remove it` };
    }
    if (v === null || typeof v !== "object") continue;
    if (depth >= limits.maxDepth) {
      return {
        code: "BAD_REQUEST",
        path,
        message: `${path} nests deeper than ${limits.maxDepth} levels; flatten the context`,
      };
    }
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    if (!Array.isArray(v)) keys += entries.length;
    if (keys > limits.maxKeys) {
      return {
        code: "BAD_REQUEST",
        path,
        message: `context has more than ${limits.maxKeys} keys in total; send fewer fields`,
      };
    }
    for (const [k, child] of entries) {
      if (!isStorableText(k)) {
        return {
          code: "BAD_REQUEST",
          path,
          message: `a key in ${path} ${unstorableTextProblem(k)}; rename it`,
        };
      }
      stack.push({ v: child, path: `${path}.${k}`, depth: depth + 1 });
    }
  }
  return null;
}
