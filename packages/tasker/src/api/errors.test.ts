import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { TaskerError } from "../model/errors.js";
import { IllegalTransitionError } from "../state/transitions.js";
import { errorReply, reply, validationReply } from "./errors.js";

describe("errorReply", () => {
  it("keeps a TaskerError's code and status", () => {
    const r = errorReply(new TaskerError("CONFLICT", "already exists", { task_uuid: "u" }));
    expect(r.status).toBe(409);
    expect(r.body).toEqual({
      error: { code: "CONFLICT", message: "already exists", details: { task_uuid: "u" } },
    });
  });

  it("adds Retry-After to 503s, from the error when it says", () => {
    expect(errorReply(new TaskerError("BACKPRESSURE", "busy", undefined, 7)).headers["Retry-After"]).toBe(
      "7",
    );
    expect(errorReply(new TaskerError("SERVICE_UNAVAILABLE", "down")).headers["Retry-After"]).toBe("1");
    expect(reply("SERVICE_UNAVAILABLE", "down").headers["Retry-After"]).toBe("1");
  });

  it("maps illegal transitions to 409 and Hono's 4xx to BAD_REQUEST", () => {
    expect(errorReply(new IllegalTransitionError("step", "complete", "reset_for_retry")).status).toBe(409);
    const malformed = errorReply(new HTTPException(400, { message: "Malformed JSON in request body" }));
    expect(malformed.body.error).toMatchObject({
      code: "BAD_REQUEST",
      message: "Malformed JSON in request body",
    });
    expect(errorReply(new HTTPException(415)).body.error.message).toMatch(/application\/json/);
    expect(errorReply(new HTTPException(413)).body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("hides the details of unexpected errors", () => {
    const r = errorReply(new Error("connection string postgres://user:secret@db"));
    expect(r.status).toBe(500);
    expect(r.body.error.code).toBe("INTERNAL_ERROR");
    expect(JSON.stringify(r.body)).not.toContain("secret");
  });
});

describe("validationReply", () => {
  it("names every failing field and where it was", () => {
    const schema = z.object({ name: z.string(), tags: z.array(z.string()) }).strict();
    const parsed = schema.safeParse({ name: 1, tags: ["a", 2], extra: true });
    const r = validationReply("json", parsed.error!);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/^invalid request body: /);
    expect(r.body.error.message).toContain("name:");
    expect(r.body.error.message).toContain("tags.1:");
    const details = r.body.error.details as { target: string; issues: { path: string }[] };
    expect(details.target).toBe("request body");
    expect(details.issues.map((i) => i.path)).toEqual(expect.arrayContaining(["name", "tags.1", ""]));
  });

  it("summarises long issue lists", () => {
    const schema = z.object(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}`, z.string()])));
    const r = validationReply("query", schema.safeParse({}).error!);
    expect(r.body.error.message).toMatch(/^invalid query string: .*\(and 3 more\)$/);
  });
});
