import type { Bindings, Logger } from "pino";

const LEVEL_METHODS: ReadonlySet<PropertyKey> = new Set(["fatal", "error", "warn", "info", "debug", "trace"]);
const noop = () => {};

/** What a lazy child knows: its parent and bindings, and the child once made. */
interface Lazy {
  parent: Logger;
  bindings: Bindings;
  child: Logger | undefined;
}

const real = (l: Lazy): Logger => {
  l.child ??= l.parent.child(newBindings(l.parent, l.bindings));
  return l.child;
};

/**
 * The bindings the parent does not already carry with the same value: pino writes a key once
 * per binding, so a step's lines repeated task_uuid, step_uuid, step and attempt when a child
 * was made of a logger that had them (a worker's step logger, then the outcome's).
 */
function newBindings(parent: Logger, bindings: Bindings): Bindings {
  const bound = parent.bindings();
  if (!Object.keys(bindings).some((key) => bound[key] === bindings[key])) return bindings;
  return Object.fromEntries(Object.entries(bindings).filter(([key, value]) => bound[key] !== value));
}

/**
 * `fields` without those `logger` already carries with the same value, for a line logged on a
 * logger that may or may not be bound to them (the worker's step logger is; the orchestrator's is
 * not bound to the attempt).
 */
export function unboundFields(logger: Logger, fields: Record<string, unknown>): Record<string, unknown> {
  const bound = logger.bindings();
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (bound[key] !== value) out[key] = value;
  return out;
}

// One handler for all lazy children (their state is the proxy's target): a step makes no closures.
const HANDLER: ProxyHandler<Lazy> = {
  get(l, key) {
    if (l.child === undefined) {
      if (LEVEL_METHODS.has(key) && !l.parent.isLevelEnabled(key as string)) return noop;
      // The child would answer from the level it inherits; a lazy child of a lazy child stays unmade.
      if (key === "isLevelEnabled") return l.parent.isLevelEnabled.bind(l.parent);
    }
    const target = real(l);
    const value = Reflect.get(target, key, target);
    // Bound to the real child, so that `this` inside pino is the child, not this proxy (a
    // grandchild made from it must have the child as its prototype).
    return typeof value === "function" ? value.bind(target) : value;
  },
  set: (l, key, value) => Reflect.set(real(l), key, value),
  has: (l, key) => Reflect.has(real(l), key),
  getPrototypeOf: (l) => Reflect.getPrototypeOf(real(l)),
  ownKeys: (l) => Reflect.ownKeys(real(l)),
  getOwnPropertyDescriptor(l, key) {
    const d = Reflect.getOwnPropertyDescriptor(real(l), key);
    // A property the proxy's target lacks must be reported configurable to be allowed.
    return d && { ...d, configurable: true };
  },
  defineProperty: (l, key, d) => Reflect.defineProperty(real(l), key, d),
  deleteProperty: (l, key) => Reflect.deleteProperty(real(l), key),
};

/**
 * `parent.child(bindings)`, made only when it is first used for something that may log. A pino
 * child serializes its bindings when made, and the engine makes one per step (for the handler
 * and the step's log lines) although at the default level a successful step logs nothing.
 *
 * A pino child made without options takes its level from its parent through the prototype, so
 * making it later changes nothing: until then a call of a level its parent has disabled is a no-op,
 * as it would be on the child; anything else makes the child and goes to it.
 */
export function lazyChild(parent: Logger, bindings: Bindings): Logger {
  return new Proxy<Lazy>({ parent, bindings, child: undefined }, HANDLER) as unknown as Logger;
}
