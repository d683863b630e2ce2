// `@tasker-ts/tasker/protocol`: the worker protocol's messages (docs/worker-protocol.md), for SDKs
// and tools that speak it.

export { type ClaimRef, decodeClaimToken, encodeClaimToken } from "./claim-token.js";
export * from "./messages.js";
