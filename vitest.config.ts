import { defineConfig } from "vitest/config";

// test/unit is pure (no Docker, Go, Terraform or subprocess): its files run in parallel.
// Everything else under test/ runs real binaries and shares one Docker engine: one file
// at a time, after the unit files.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 300_000,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], setupFiles: ["test/unit/no-subprocess.ts"], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**"],
          // Real processes on a machine that may be busy: a cdktf synth alone can take 30 s.
          testTimeout: 120_000,
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
