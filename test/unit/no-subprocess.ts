// test/unit runs no subprocess (no Docker, Go, Terraform, tsx): a test that tries fails
// with where it belongs. Loaded before every unit test file (vitest.config.ts).
import { vi } from "vitest";

const refusing = vi.hoisted(() => () => {
  const refuse = (): never => {
    throw new Error("test/unit runs no subprocess: a test that needs one belongs in test/integration");
  };
  return { spawn: refuse, spawnSync: refuse, exec: refuse, execSync: refuse, execFile: refuse, execFileSync: refuse, fork: refuse };
});
vi.mock("node:child_process", refusing);
vi.mock("child_process", refusing);
