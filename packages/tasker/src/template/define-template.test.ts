import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Tasker } from "../tasker.js";
import { defineHandler } from "../worker/handler.js";
import { defineTemplate } from "./define-template.js";
import { TemplateValidationError } from "./errors.js";
import { parseTemplate } from "./load.js";

const greet = defineHandler(
  "code_first.greet",
  { inputs: z.object({ name: z.string() }) },
  async ({ input }) => ({
    greeting: `Hello, ${input.name}!`,
  }),
);
const shout = defineHandler(
  "code_first.shout",
  { depends: { greet: z.object({ greeting: z.string() }) } },
  async ({ dependencyResults }) => ({ shouted: dependencyResults.greet.greeting.toUpperCase() }),
);

const greeting = defineTemplate({
  name: "greeting",
  namespace_name: "code_first",
  version: "1.0.0",
  input_schema: { type: "object", required: ["name"], properties: { name: { type: "string" } } },
  steps: [
    { name: "greet", handler: greet, initialization: { polite: true } },
    {
      name: "shout",
      handler: shout,
      dependencies: ["greet"],
      retry: { max_attempts: 2, backoff_base_ms: 10, max_backoff_ms: 10 },
    },
  ],
});

describe("defineTemplate (code-first templates)", () => {
  it("is a template like a YAML one: callables from the handler objects, defaults applied", () => {
    expect(greeting.template.steps.map((s) => [s.name, s.handler.callable, s.dependencies])).toEqual([
      ["greet", "code_first.greet", []],
      ["shout", "code_first.shout", ["greet"]],
    ]);
    expect(greeting.template.steps[0]?.handler.initialization).toEqual({ polite: true });
    expect(greeting.template.steps[0]?.retry.max_attempts).toBe(3);
    expect(greeting.handlers).toEqual([greet, shout]);
  });

  it("exports YAML that loads back to the same template (for workers in other languages)", () => {
    const yaml = greeting.toYaml();
    expect(yaml).toContain("callable: code_first.shout");
    expect(parseTemplate(yaml, "greeting.yaml").template).toEqual(greeting.template);
  });

  it("is validated as any template, every problem at once", () => {
    const broken = () =>
      defineTemplate({
        name: "Broken",
        namespace_name: "code_first",
        version: "one",
        steps: [
          { name: "a", handler: greet, dependencies: ["b"] },
          { name: "b", handler: shout, dependencies: ["a"] },
        ],
      });
    expect(broken).toThrow(TemplateValidationError);
    expect(broken).toThrow(
      /name: template name must be lowercase[\s\S]*version: must be a semver[\s\S]*cycle/,
    );
  });

  it("makes a misspelt dependency or handler a type error", () => {
    // Never run: the compiler checks these (npm run typecheck).
    const typos = () => [
      defineTemplate({
        name: "t",
        namespace_name: "code_first",
        version: "1.0.0",
        steps: [
          { name: "greet", handler: greet },
          // @ts-expect-error "gret" is not a step of this template
          { name: "shout", handler: shout, dependencies: ["gret"] },
        ],
      }),
      defineTemplate({
        name: "t",
        namespace_name: "code_first",
        version: "1.0.0",
        // @ts-expect-error a handler is an object with a callable, not a string
        steps: [{ name: "greet", handler: "code_first.greet" }],
      }),
    ];
    expect(typeof typos).toBe("function");
  });

  it("runs: the engine takes the template, the worker its handlers", async () => {
    const tasker = await Tasker.open({ dataDir: "memory://", templates: [greeting.template] });
    try {
      await tasker.startOrchestrator();
      await tasker.startWorker({ handlers: [...greeting.handlers] });
      const { task } = await tasker.client.createTask({
        namespace: "code_first",
        name: "greeting",
        context: { name: "Ada" },
      });
      const done = await tasker.client.waitForTask(task.task_uuid, { timeoutMs: 30_000 });
      expect(done.status).toBe("complete");
      expect(done.steps.find((s) => s.name === "shout")?.results).toEqual({ shouted: "HELLO, ADA!" });
    } finally {
      await tasker.close();
    }
  }, 60_000);
});
