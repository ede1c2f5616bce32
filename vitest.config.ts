import { defineConfig } from "vitest/config";

// Tests run from TypeScript sources: the "source" export condition points workspace
// packages at src/ so no build is needed between an edit and a test run.
export default defineConfig({
  resolve: { conditions: ["source"] },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/web/e2e/**/*.test.ts",
      "scripts/**/*.test.ts",
      "deploy/**/*.test.ts",
      "templates/**/*.test.ts",
      "docs/**/*.test.ts",
    ],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 600_000,
    globalSetup: ["./scripts/test-env/global-setup.ts"],
    reporters: ["default"],
  },
});
