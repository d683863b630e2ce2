import type { AppDb } from "../../../db/client.js";

/** What the microservices steps need from the app. */
export interface MicroservicesStepDeps {
  db: AppDb;
  /** Read per call, so a server that learns its port after start-up can still set it. */
  servicesBaseUrl: () => string;
}
