// Test helpers for suites that run the engine against real databases.
export * from "./test-database.js";
