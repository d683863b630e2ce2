/** The spellings of one handler name: `ValidateCart`, `validate_cart`, `validate-cart` all agree. */
export interface NameForms {
  /** validate_cart (step names, callables) */
  snake: string;
  /** validate-cart (file names) */
  kebab: string;
  /** validateCart (exported handler) */
  camel: string;
  /** ValidateCart (types) */
  pascal: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Splits PascalCase, camelCase, snake_case or kebab-case into lowercase words. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** Every form of a handler name; throws a message naming `--name` when it cannot be one. */
export function nameForms(name: string): NameForms {
  if (!NAME.test(name)) {
    throw new Error(
      `--name "${name}" must start with a letter and contain only letters, digits, - or _ (e.g. ValidateCart or validate_cart)`,
    );
  }
  const parts = words(name);
  const capital = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  return {
    snake: parts.join("_"),
    kebab: parts.join("-"),
    camel: parts[0]! + parts.slice(1).map(capital).join(""),
    pascal: parts.map(capital).join(""),
  };
}
