import type { AppDb } from "../../db/client.js";

/** What the sales and compliance steps need from the app. */
export interface TeamScalingStepDeps {
  db: AppDb;
}
