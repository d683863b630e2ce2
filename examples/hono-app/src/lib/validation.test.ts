import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { validate } from "./validation.js";

const app = new Hono().post(
  "/things",
  validate(
    "json",
    z.object({ name: z.string().min(1), items: z.array(z.object({ qty: z.number().int() })) }),
  ),
  (c) => c.json(c.req.valid("json"), 201),
);

const post = (body: unknown) =>
  app.request("/things", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("validate", () => {
  it("passes the parsed body on", async () => {
    const res = await post({ name: "a", items: [{ qty: 1 }] });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: "a", items: [{ qty: 1 }] });
  });

  it("answers 400 with every issue and its dotted path", async () => {
    const res = await post({ name: "", items: [{ qty: 1.5 }] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; issues: Array<{ path: string; message: string }> };
    expect(body.error).toBe("invalid request body");
    expect(body.issues.map((i) => i.path).sort()).toEqual(["items.0.qty", "name"]);
    expect(body.issues.every((i) => i.message.length > 0)).toBe(true);
  });
});
