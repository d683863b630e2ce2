import { describe, expect, it } from "vitest";
import { decodeClaimToken, encodeClaimToken } from "./claim-token.js";

const ref = {
  taskUuid: "01890a5d-ac96-774b-bcce-b302099a8057",
  stepUuid: "01890a5d-ac96-774b-bcce-b302099a8058",
  attempts: 3,
};

describe("claim tokens", () => {
  it("name the claim they were made for", () => {
    const token = encodeClaimToken(ref);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeClaimToken(token)).toEqual(ref);
  });

  it("refuse anything the server did not make", () => {
    const bad = (text: string) => Buffer.from(text).toString("base64url");
    for (const token of [
      "",
      "not a token!",
      bad(`${ref.taskUuid}.${ref.stepUuid}`),
      bad(`${ref.taskUuid}.${ref.stepUuid}.0`),
      bad(`${ref.taskUuid}.${ref.stepUuid}.-1`),
      bad(`${ref.taskUuid}.${ref.stepUuid}.1.2`),
      bad(`${ref.taskUuid}.nope.1`),
      bad(`${ref.taskUuid}.${ref.stepUuid}.99999999999`),
      "x".repeat(201),
    ]) {
      expect(decodeClaimToken(token), token).toBeUndefined();
    }
  });
});
