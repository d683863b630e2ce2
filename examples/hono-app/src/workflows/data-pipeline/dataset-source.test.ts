import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PermanentError, RetryableError } from "@tasker-ts/tasker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasetUrlProblem, loadDataset, parseRows } from "./dataset-source.js";

let dir: string;
let server: Server;
let base: string;
let hits = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "datasets-"));
  await writeFile(
    join(dir, "sales.csv"),
    "date,region,product,quantity,amount\n2024-01-01,north,WIDGET-001,2,59.98\n",
  );
  await writeFile(join(dir, "sales.json"), JSON.stringify({ rows: [{ date: "2024-01-01", amount: 1 }] }));
  await symlink("/etc/hostname", join(dir, "escape.csv")).catch(() => undefined);
  server = createServer((req, res) => {
    hits++;
    if (req.url === "/rows.json") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify([{ region: "east", amount: 3 }]));
    } else if (req.url === "/rows.csv") res.end("region,amount\nwest,4\n");
    else if (req.url === "/down") {
      res.statusCode = 503;
      res.setHeader("retry-after", "2");
      res.end("busy");
    } else if (req.url === "/slow") {
      // Headers and the first bytes, then nothing (afterAll closes the connection): the body
      // stalls past the load's timeout. (An answer after a delay could still win against the
      // timeout when a busy machine stalls the event loop that long.)
      res.write("region\n");
    } else {
      res.statusCode = 404;
      res.end("no");
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
  await rm(dir, { recursive: true, force: true });
});

const load = (datasetUrl: string | null, timeoutMs = 5_000) =>
  loadDataset({ jobId: 1, datasetUrl, datasetDir: dir, timeoutMs, signal: new AbortController().signal });

describe("loadDataset", () => {
  it("generates the job's dataset without a URL", async () => {
    const ds = await load(null);
    expect(ds.rows).toHaveLength(1000);
    expect(ds.columns).toEqual(["date", "region", "product", "quantity", "amount"]);
    expect(ds.origin).toBe("generated from job 1");
  });

  it("reads CSV and JSON files inside the dataset directory", async () => {
    const csv = await load(pathToFileURL(join(dir, "sales.csv")).href);
    expect(csv.rows).toEqual([
      { date: "2024-01-01", region: "north", product: "WIDGET-001", quantity: "2", amount: "59.98" },
    ]);
    const json = await load(pathToFileURL(join(dir, "sales.json")).href);
    expect(json.columns).toEqual(["date", "amount"]);
  });

  it("refuses files outside the dataset directory, also through a symlink, and missing files", async () => {
    await expect(load("file:///etc/passwd")).rejects.toThrow(/must be inside/);
    await expect(load(pathToFileURL(join(dir, "escape.csv")).href)).rejects.toThrow(PermanentError);
    await expect(load(pathToFileURL(join(dir, "missing.csv")).href)).rejects.toThrow(
      /cannot read dataset file/,
    );
  });

  it("fetches JSON and CSV over HTTP", async () => {
    expect((await load(`${base}/rows.json`)).rows).toEqual([{ region: "east", amount: 3 }]);
    expect((await load(`${base}/rows.csv`)).rows).toEqual([{ region: "west", amount: "4" }]);
  });

  it("treats 5xx and timeouts as retryable and 404 as permanent", async () => {
    const down = await load(`${base}/down`).catch((e) => e);
    expect(down).toBeInstanceOf(RetryableError);
    expect(down.retryAfterMs).toBe(2000);
    const slow = await load(`${base}/slow`, 200).catch((e) => e);
    expect(slow).toBeInstanceOf(RetryableError);
    expect(slow.code).toBe("dataset_fetch_failed");
    await expect(load(`${base}/missing`)).rejects.toBeInstanceOf(PermanentError);
    expect(hits).toBeGreaterThanOrEqual(5);
  });
});

describe("datasetUrlProblem / parseRows", () => {
  it("explains unusable URLs", () => {
    expect(datasetUrlProblem("not a url", dir)).toMatch(/absolute/);
    expect(datasetUrlProblem("ftp://x/y.csv", dir)).toMatch(/ftp: is not supported/);
    expect(datasetUrlProblem("https://example.com/a.csv", dir)).toBeUndefined();
    expect(datasetUrlProblem(pathToFileURL(join(dir, "a.csv")).href, dir)).toBeUndefined();
  });

  it("rejects data that is not a list of rows", () => {
    expect(() => parseRows("{", "json", "x")).toThrow(/not valid JSON/);
    expect(() => parseRows("[1,2]", "json", "x")).toThrow(/list of row objects/);
    expect(() => parseRows("[]", "json", "x")).toThrow(/no rows/);
  });
});
