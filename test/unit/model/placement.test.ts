// Each user's node on a Swarm: the pin, else rendezvous hashing, which moves no one when
// a user comes or goes and, when a node comes or goes, only the users it takes or had.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import { nodeOf } from "../../../src/model/swarm";
import { configObject, onSwarm } from "../../helpers/config-cases";

const NODES = ["node-1", "node-2", "node-3"];
const userNames = fc.uniqueArray(fc.stringMatching(/^[a-z_][a-z0-9_-]{0,31}$/), { minLength: 1, maxLength: 40 });
const nodeNames = fc.uniqueArray(fc.stringMatching(/^[a-z0-9](?:[a-z0-9._-]{0,8}[a-z0-9])?$/), { minLength: 1, maxLength: 8 });

/** The model of users `names`, on the nodes `nodes`, with `pins` by user name. */
function modelOf(names: readonly string[], nodes: readonly string[], pins: Record<string, string> = {}) {
  return buildModel(
    configObject((c) => {
      onSwarm(c);
      c.swarm.nodes = nodes.map((name) => ({ name }));
      c.users = names.map((name, i) => ({ name, uid: 2000 + i, gid: 2000 + i, ...(pins[name] === undefined ? {} : { node: pins[name] }) }));
    }),
  );
}
const nodesOf = (model: ReturnType<typeof modelOf>) => Object.fromEntries(model.users.map((u) => [u.name, u.node]));

describe("a user's node on a Swarm", () => {
  it("is the pinned node, whatever the hash would choose", () => {
    const free = nodesOf(modelOf(["alice", "bob"], NODES));
    const other = NODES.find((n) => n !== free.alice)!;
    expect(nodesOf(modelOf(["alice", "bob"], NODES, { alice: other }))).toEqual({ alice: other, bob: free.bob });
  });

  it("is the same for every workspace of the user", () => {
    const model = buildModel(
      configObject((c) => {
        onSwarm(c);
        c.environments.push({ name: "r", image: "course/r:1", command: ["R"] });
      }),
    );
    expect(model.workspaces.map((ws) => [ws.user.name, ws.environment.name, ws.user.node])).toEqual([
      ["alice", "py", model.users[0].node],
      ["alice", "r", model.users[0].node],
      ["bob", "py", model.users[1].node],
      ["bob", "r", model.users[1].node],
    ]);
  });

  it("is not there without a swarm section", () => {
    expect(buildModel(configObject(() => {})).users.map((u) => u.node)).toEqual([undefined, undefined]);
  });

  it("does not change when another user is added or removed", () => {
    fc.assert(
      fc.property(userNames, fc.string({ minLength: 1, maxLength: 8 }), (names, extra) => {
        const added = `x${extra.replace(/[^a-z0-9_-]/g, "")}`.slice(0, 32);
        fc.pre(!names.includes(added));
        const before = nodesOf(modelOf(names, NODES));
        const after = nodesOf(modelOf([added, ...names], NODES));
        expect({ ...after, [added]: undefined }).toEqual({ ...before, [added]: undefined });
        const fewer = nodesOf(modelOf(names.slice(1), NODES));
        for (const name of names.slice(1)) expect(fewer[name]).toBe(before[name]);
      }),
      { numRuns: 50 },
    );
  });

  it("moves, when a node is added, only to the new node; when one is removed, only from it", () => {
    fc.assert(
      fc.property(userNames, nodeNames, (users, nodes) => {
        fc.pre(nodes.length >= 2);
        const [added, ...rest] = nodes;
        const before = Object.fromEntries(users.map((u) => [u, nodeOf(u, rest)]));
        for (const u of users) {
          const now = nodeOf(u, nodes);
          expect([u, now === before[u] || now === added]).toEqual([u, true]);
          // Taking the node away again gives every user back the node they had.
          expect(nodeOf(u, rest)).toBe(before[u]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("moves about a fourth of the users to a fourth node, not all of them", () => {
    const users = Array.from({ length: 400 }, (_, i) => `user${i}`);
    const moved = users.filter((u) => nodeOf(u, NODES) !== nodeOf(u, [...NODES, "node-4"])).length;
    expect(moved).toBeGreaterThan(60);
    expect(moved).toBeLessThan(140);
  });

  it("spreads users over the nodes", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) counts.set(nodeOf(`user${i}`, NODES), (counts.get(nodeOf(`user${i}`, NODES)) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(NODES);
    for (const [node, n] of counts) expect([node, n > 60 && n < 140]).toEqual([node, true]);
  });

  it("does not depend on the order the nodes are listed in", () => {
    fc.assert(
      fc.property(userNames, nodeNames, (users, nodes) => {
        const reversed = [...nodes].reverse();
        for (const u of users) expect(nodeOf(u, reversed)).toBe(nodeOf(u, nodes));
      }),
      { numRuns: 50 },
    );
  });

  it("is sha256's choice, the same on every machine and in every release: another hash would move users", () => {
    // Worked out apart from nodeOf: the node whose sha256("<user>\0<node>") in hex is highest.
    expect(["alice", "bob", "carol", "dave"].map((u) => nodeOf(u, NODES))).toEqual(["node-1", "node-2", "node-1", "node-1"]);
  });
});
