import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 300_000,
    // Suites that share the Docker engine run one file at a time.
    fileParallelism: false,
  },
});
