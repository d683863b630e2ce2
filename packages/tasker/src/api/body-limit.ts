import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { TaskerError } from "../model/errors.js";

/**
 * Bounds the request body of every route behind it (Hono's `bodyLimit`): a Content-Length over
 * `maxBytes` is refused before a byte is read, and a body without one (chunked) is read up to
 * `maxBytes` and refused as soon as it passes. Requests without a body (GET) are not touched.
 *
 * The refusal is thrown as a 413 `PAYLOAD_TOO_LARGE` TaskerError, so each app answers it the way
 * it answers every other error (the API's JSON envelope, the dashboard's page or notice). `hint`
 * ends the message with what to do instead.
 *
 * The rest of a refused body is never read, so the connection cannot carry another request: the
 * answer says `Connection: close`, which also lets a client still sending read it rather than a
 * reset connection (the node server reads and drops what is in flight, then closes).
 */
export function limitBody(maxBytes: number, hint: string): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      c.header("Connection", "close");
      throw new TaskerError(
        "PAYLOAD_TOO_LARGE",
        `the request body is larger than ${maxBytes} bytes; ${hint}`,
        {
          max_bytes: maxBytes,
        },
      );
    },
  });
}
