import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../config/load.js";
import { parseTemplate } from "../../template/load.js";
import { projectFiles, projectNames } from "./project-source.js";

describe("tasker-ctl init's project", () => {
  it("names the package and the namespace from the folder", () => {
    expect(projectNames("/tmp/work/my-app")).toEqual({ name: "my-app", namespace: "my_app" });
    expect(projectNames("OrderService")).toEqual({ name: "order-service", namespace: "order_service" });
    expect(() => projectNames("/tmp/123")).toThrow(/must start with a letter/);
  });

  it("writes a valid template and worker.toml, ES module handlers for every step", () => {
    const files = projectFiles({
      name: "my-app",
      namespace: "my_app",
      engineSpec: "^0.1.0",
      versions: { zod: "^4", vitest: "^4", tsx: "^4" },
    });
    const file = (path: string) => files.find((f) => f.path === path)!.content;
    const { template } = parseTemplate(file("templates/greeting.yaml"), "greeting.yaml");
    const handlers = file("handlers/greeting.ts");
    for (const step of template.steps) expect(handlers).toContain(`"${step.handler.callable}"`);
    expect(
      parseConfigText(file("worker.toml"), "worker.toml", { env: {} }).config.worker.handler_paths,
    ).toEqual(["handlers"]);
    expect(JSON.parse(file("package.json"))).toMatchObject({
      type: "module",
      scripts: { test: "vitest run" },
    });
  });
});
