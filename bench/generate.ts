// Generated configs for the benchmarks: `users` users over two environments, one of
// them open to everyone and one to half the users, so workspaces = users * 1.5.
import type { ConfigInput } from "../src/config/schema";

export function generatedConfig(users: number): ConfigInput {
  return {
    host: { name: "bench" },
    environments: [
      { name: "python", image: "bench/python:1", command: ["jupyter", "notebook", "--ip=0.0.0.0"] },
      { name: "r", image: "bench/r:1", command: ["jupyter", "notebook", "--ip=0.0.0.0"], groups: ["stats"] },
    ],
    users: Array.from({ length: users }, (_, i) => ({
      name: `user${i}`,
      uid: 10_000 + i,
      gid: 10_000 + i,
      groups: i % 2 === 0 ? ["stats"] : [],
    })),
  };
}

/** Users needed for `workspaces` workspaces. */
export const usersFor = (workspaces: number) => Math.ceil(workspaces / 1.5);
