import { describe, expect, it } from "vitest";
import { describeListen } from "./listen-address.js";

describe("describeListen", () => {
  it("says when a server listens on every interface", () => {
    expect(describeListen({ address: "0.0.0.0", family: "IPv4", port: 3000 })).toBe(
      "all interfaces, port 3000",
    );
    expect(describeListen({ address: "::", family: "IPv6", port: 3000 })).toBe("all interfaces, port 3000");
  });

  it("names a single address", () => {
    expect(describeListen({ address: "127.0.0.1", family: "IPv4", port: 8080 })).toBe("127.0.0.1:8080 only");
    expect(describeListen({ address: "::1", family: "IPv6", port: 8080 })).toBe("[::1]:8080 only");
  });
});
