// How the startup banner says where a server listens: the address it really bound, not a guess.
import type { AddressInfo } from "node:net";

/** `all interfaces, port 3000` for 0.0.0.0 / ::, else `127.0.0.1:3000 only`. */
export function describeListen(address: AddressInfo): string {
  const all = address.address === "0.0.0.0" || address.address === "::";
  if (all) return `all interfaces, port ${address.port}`;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `${host}:${address.port} only`;
}
