import { describe, expect, it } from "vitest";
import { allowedMethods } from "./app.js";

describe("allowedMethods", () => {
  const routes = [
    { method: "ALL", path: "*" },
    { method: "GET", path: "/v1/tasks" },
    { method: "POST", path: "/v1/tasks" },
    { method: "GET", path: "/v1/tasks/:task_uuid" },
    { method: "DELETE", path: "/v1/tasks/:task_uuid" },
    { method: "GET", path: "/v1/tasks/:task_uuid/workflow_steps" },
  ];

  it("lists the methods registered for a concrete path", () => {
    expect(allowedMethods(routes, "/v1/tasks")).toEqual(["GET", "POST"]);
    expect(allowedMethods(routes, "/v1/tasks/abc")).toEqual(["DELETE", "GET"]);
    expect(allowedMethods(routes, "/v1/tasks/abc/workflow_steps")).toEqual(["GET"]);
  });

  it("is empty for paths no route matches (params never span segments)", () => {
    expect(allowedMethods(routes, "/v1/tasks/a/b")).toEqual([]);
    expect(allowedMethods(routes, "/v1/taskss")).toEqual([]);
    expect(allowedMethods(routes, "/")).toEqual([]);
  });
});
