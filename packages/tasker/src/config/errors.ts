/** One problem (or warning) in the configuration. */
export interface ConfigIssue {
  /** Where the value came from: the config file, or `environment variable NAME`. */
  source: string;
  /** Full dotted key, e.g. `worker.concurrency` or `orchestration.web.auth.api_keys[0].key`. */
  key: string;
  message: string;
}

/** `worker.toml: worker.concurrency: expected an integer, got "ten"` */
export function formatConfigIssue(issue: ConfigIssue): string {
  return [issue.source, issue.key, issue.message].filter((part) => part !== "").join(": ");
}

/** The configuration cannot be used; `issues` lists every problem, one per line in `message`. */
export class ConfigError extends Error {
  readonly file: string | null;
  readonly issues: ConfigIssue[];
  /** Lenient loading: the unknown keys found alongside the errors, reported with them. */
  readonly warnings: ConfigIssue[];
  constructor(file: string | null, issues: ConfigIssue[], warnings: ConfigIssue[] = []) {
    super(
      [...issues.map(formatConfigIssue), ...warnings.map((w) => `${formatConfigIssue(w)} (warning)`)].join(
        "\n",
      ),
    );
    this.name = "ConfigError";
    this.file = file;
    this.issues = issues;
    this.warnings = warnings;
  }
}
