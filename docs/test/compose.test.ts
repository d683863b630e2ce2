// examples/docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so their
// consistency is checked instead: the databases the services use are the ones the init script
// creates, the paths they name exist in the image, and the shared worker.toml accepts their
// environment. (Their commands were run as plain processes against local services.)
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfigText } from "@tasker-ts/tasker";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { REPO_ROOT } from "./support/temp-repo.js";

const ServiceSchema = z.looseObject({
  image: z.string(),
  build: z.looseObject({ context: z.string(), dockerfile: z.string() }).optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).default({}),
  volumes: z.array(z.string()).default([]),
  ports: z.array(z.string()).default([]),
  depends_on: z.record(z.string(), z.looseObject({ condition: z.string() })).default({}),
  healthcheck: z.looseObject({ test: z.array(z.string()) }).optional(),
});
const ComposeSchema = z.looseObject({ services: z.record(z.string(), ServiceSchema) });

const composePath = join(REPO_ROOT, "examples/docker-compose.yml");
const compose = ComposeSchema.parse(parse(readFileSync(composePath, "utf8"), { merge: true }));
const services = compose.services;
const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
const taskerServices = Object.entries(services).filter(([, s]) => s.image === "tasker-ts:local");

/** `${VAR:-default}` -> default, as compose does when VAR is unset. */
const withDefaults = (value: string) => value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1");

/** Repository paths the image contains: every COPY source, at the same place under /app. */
function copiedPaths(): string[] {
  return [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) =>
    m[1]!.trim().split(/\s+/).slice(0, -1),
  );
}

function inImage(appPath: string): boolean {
  const path = appPath.replace(/^\/app\//, "");
  return copiedPaths().some((copied) => path === copied || path.startsWith(`${copied.replace(/\/$/, "")}/`));
}

describe("examples/docker-compose.yml", () => {
  it("runs PostgreSQL, RabbitMQ, the orchestration server and the app", () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(["postgres", "rabbitmq", "orchestration", "app"]),
    );
    expect(services.orchestration?.command?.slice(0, 2)).toEqual(["tasker-ctl", "serve"]);
    expect(services.app?.environment.ORCHESTRATION_URL).toBe("http://orchestration:8080");
  });

  it("creates, with its init script, every database the services connect to, one per app", () => {
    const mount = services.postgres?.volumes.find((v) => v.includes("/docker-entrypoint-initdb.d/"));
    expect(mount, "postgres mounts an init script").toBeDefined();
    const script = join(REPO_ROOT, "examples", mount!.split(":")[0]!);
    expect(existsSync(script), `${script} exists`).toBe(true);
    const created = [...readFileSync(script, "utf8").matchAll(/CREATE DATABASE (\w+)/g)].map((m) => m[1]);

    const urls = Object.values(services).flatMap((s) =>
      ["DATABASE_URL", "APP_DATABASE_URL"].flatMap((k) => (s.environment[k] ? [s.environment[k]] : [])),
    );
    const databases = new Set(urls.map((u) => new URL(u).pathname.slice(1)));
    expect([...databases].sort()).toEqual([...created].sort());
    expect(databases.size).toBeGreaterThanOrEqual(2);
    for (const url of urls) expect(new URL(url).hostname).toBe("postgres");
  });

  it("builds every tasker service from the root Dockerfile and waits for what it needs", () => {
    expect(taskerServices.length).toBeGreaterThanOrEqual(3);
    for (const [name, service] of taskerServices) {
      expect(service.build, name).toEqual({ context: "..", dockerfile: "Dockerfile" });
      for (const dependency of Object.keys(service.depends_on)) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        expect(services[dependency]?.healthcheck, `${dependency} has a healthcheck`).toBeDefined();
      }
    }
  });

  it("names only files the image contains", () => {
    for (const [name, service] of taskerServices) {
      for (const key of ["TASKER_CONFIG_PATH", "TASKER_TEMPLATE_PATH"]) {
        const value = service.environment[key];
        if (!value) continue;
        expect(inImage(value), `${name}: ${key}=${value} is copied into the image`).toBe(true);
        expect(existsSync(join(REPO_ROOT, value.replace(/^\/app\//, ""))), `${value} exists`).toBe(true);
      }
      for (const arg of service.command ?? []) {
        if (arg.startsWith("/app/")) expect(inImage(arg), `${name}: ${arg} is in the image`).toBe(true);
      }
    }
  });

  it("gives the orchestration server an API key it accepts, and RabbitMQ a user that may connect remotely", () => {
    const key = withDefaults(services.orchestration?.environment.TASKER_API_KEY ?? "");
    expect(key.length).toBeGreaterThanOrEqual(16);
    const rabbit = new URL(taskerServices[0]![1].environment.RABBITMQ_URL ?? "");
    expect(rabbit.hostname).toBe("rabbitmq");
    expect(rabbit.username).toBe(services.rabbitmq?.environment.RABBITMQ_DEFAULT_USER);
    expect(rabbit.username).not.toBe("guest");
  });

  it("publishes the ports the docs use", () => {
    expect(services.app?.ports).toContain("3000:3000");
    expect(services.orchestration?.ports).toContain("8080:8080");
    expect(services.postgres?.ports).toContain("5432:5432");
  });

  it("hands every tasker service an environment the shared worker.toml accepts", () => {
    const toml = readFileSync(join(REPO_ROOT, "examples/shared/worker.toml"), "utf8");
    for (const [name, service] of taskerServices) {
      const env = Object.fromEntries(
        Object.entries(service.environment).map(([k, v]) => [k, withDefaults(v)]),
      );
      const { config, warnings } = parseConfigText(toml, "examples/shared/worker.toml", { env });
      expect(warnings, name).toEqual([]);
      expect(config.worker.web.enabled).toBe(false);
      expect(config.worker.grpc.enabled).toBe(false);
      expect(config.common.database.url, name).toBe(env.DATABASE_URL);
    }
  });
});

describe("Dockerfile", () => {
  it("copies only paths that exist, and never a local node_modules", () => {
    for (const path of copiedPaths()) {
      expect(existsSync(join(REPO_ROOT, path)), `COPY ${path}`).toBe(true);
      expect(path).not.toMatch(/node_modules/);
      expect(path, "whole folders that may hold a local node_modules").not.toMatch(
        /^(\.|packages\/tasker|examples\/hono-app)\/?$/,
      );
    }
  });

  it("installs from the lockfile before copying sources, with every workspace manifest", () => {
    const install = dockerfile.indexOf("npm ci");
    expect(install).toBeGreaterThan(0);
    for (const manifest of [
      "package-lock.json",
      "packages/tasker/package.json",
      "examples/hono-app/package.json",
    ]) {
      const copy = dockerfile.indexOf(manifest);
      expect(copy, manifest).toBeGreaterThan(0);
      expect(copy, `${manifest} is copied before npm ci`).toBeLessThan(install);
    }
    expect(dockerfile.indexOf("packages/tasker/src")).toBeGreaterThan(install);
  });
});
