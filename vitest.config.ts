import { defineConfig } from "vitest/config";

// Two projects: fast pure unit tests, and integration tests against a real dockerd, sshd and
// docker CLI that the run starts itself (test/harness/global-setup.ts).
export default defineConfig({
  test: {
    reporters: ["default", "./test/harness/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["./test/harness/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
