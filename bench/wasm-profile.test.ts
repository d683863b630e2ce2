import { describe, expect, it } from "vitest";
import { backendBreakdown, wasmFunctionNames } from "./wasm-profile.js";

// A module importing one function and exporting its two own functions as "a" and "b": exports
// name functions by their index in the shared index space, so the import is index 0.
const MODULE = new Uint8Array(
  Buffer.from(
    [
      "0061736d01000000", // magic, version
      "010401600000", // types: () -> ()
      "020701016d01660000", // import m.f: a function of type 0
      "0303020000", // two functions of type 0
      "0709020161000101620002", // export a = function 1, b = function 2
      "0a070202000b02000b", // two empty bodies
    ].join(""),
    "hex",
  ),
);

describe("wasmFunctionNames", () => {
  it("names functions by the index their export gives, imports counted first", () => {
    expect(wasmFunctionNames(MODULE)).toEqual(
      new Map([
        [1, "a"],
        [2, "b"],
      ]),
    );
  });
});

describe("backendBreakdown", () => {
  const frame = (id: number, functionName: string, children: number[] = []) => ({
    id,
    callFrame: { functionName, url: "" },
    children,
  });
  // root -> main -> wasm[1] (a) -> wasm[2] (b) -> wasm[1] (a again); main -> js; (idle)
  const profile = {
    nodes: [
      frame(1, "(root)", [2, 7]),
      frame(2, "main", [3, 6]),
      frame(3, "wasm-function[1]", [4]),
      frame(4, "wasm-function[2]", [5]),
      frame(5, "wasm-function[1]"),
      frame(6, "js"),
      frame(7, "(idle)"),
    ],
    samples: [3, 4, 5, 5, 6, 7, 7],
  };

  it("shares of the samples under the root, each group counted once per sample", () => {
    const names = new Map([
      [1, "a"],
      [2, "b"],
    ]);
    const { backendSamples, busySamples, shares } = backendBreakdown(profile, names, "a", {
      a: ["a"],
      b: ["b"],
      either: ["a", "b"],
      js: ["js"],
    });
    expect(busySamples).toBe(5);
    expect(backendSamples).toBe(4);
    expect(shares).toEqual(
      new Map([
        ["a", 1],
        ["b", 0.75],
        ["either", 1],
        ["js", 0],
      ]),
    );
  });
});
