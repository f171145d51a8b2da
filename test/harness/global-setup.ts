import type { TestProject } from "vitest/node";
import { type EngineHarness, startHarness, stopHarness } from "./engine.js";

declare module "vitest" {
  export interface ProvidedContext {
    harness: EngineHarness;
  }
}

/**
 * Starts the real engine (and sshd) once per run. If it cannot start, the run fails here with
 * the reason: integration tests are never skipped silently.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const harness = await startHarness();
  project.provide("harness", harness);
  return async () => {
    if (process.env.DOCKWARD_TEST_KEEP_ENGINE === "1") return;
    await stopHarness();
  };
}
