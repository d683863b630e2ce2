import { describe, expect, it } from "vitest";
import { resolveServicesBaseUrl } from "./base-url.js";

describe("resolveServicesBaseUrl", () => {
  it("treats a bare origin as this app, which serves the services under /internal", () => {
    expect(resolveServicesBaseUrl("http://127.0.0.1:3000")).toBe("http://127.0.0.1:3000/internal");
    expect(resolveServicesBaseUrl("http://127.0.0.1:3000/")).toBe("http://127.0.0.1:3000/internal");
  });

  it("uses an explicit path as given, without a trailing slash", () => {
    expect(resolveServicesBaseUrl("http://127.0.0.1:3000/internal/")).toBe("http://127.0.0.1:3000/internal");
    expect(resolveServicesBaseUrl("https://profiles.example.com/api/v2")).toBe(
      "https://profiles.example.com/api/v2",
    );
  });

  it("rejects something that is not a URL", () => {
    expect(() => resolveServicesBaseUrl("not a url")).toThrow();
  });
});
