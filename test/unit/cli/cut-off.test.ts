// What an apply cut off before Terraform recorded what it had made leaves, and what
// homedock removes before the next apply: only after a cut-off apply (its mark there),
// only this host's objects that the stack declares by name and the state does not hold.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyEnded, applyingFile, cutOff, markApplying, removeLeftovers } from "../../../src/cli/cut-off";
import type { EngineReader } from "../../../src/cli/skips";

let stack: string;
let calls: string[][];

/** A stand-in docker CLI: what `ps` and `network ls` list (id, tab, name), and every call recorded. */
function engine(containers: string[], networks: string[], status = 0): EngineReader {
  return async (args) => {
    calls.push([...args]);
    const listed = args[0] === "ps" ? containers : args[0] === "network" && args[1] === "ls" ? networks : [];
    return { status, stdout: listed.map((l) => `${l}\n`).join(""), stderr: status === 0 ? "" : "Cannot connect to the Docker daemon" };
  };
}

/** A stack of host lab (its state in terraform.lab.tfstate) that declares `resource`. */
function declare(resource: Record<string, Record<string, { name: string }>>): void {
  writeFileSync(
    path.join(stack, "cdk.tf.json"),
    JSON.stringify({ terraform: { backend: { local: { path: "terraform.lab.tfstate" } } }, provider: { docker: [{}] }, resource }),
  );
}

beforeEach(() => {
  stack = mkdtempSync(path.join(tmpdir(), "homedock-cutoff-"));
  calls = [];
  // The stack declares the workspaces of alice and bob, the home one-shot and the network;
  // the state holds alice's workspace and the network as an earlier apply left them.
  declare({
    docker_container: { alice: { name: "lab-alice.py" }, bob: { name: "lab-bob.py" }, homes: { name: "lab-homes-py" }, other: { name: "${var.x}" } },
    docker_network: { net: { name: "lab" } },
  });
  writeFileSync(
    path.join(stack, "terraform.lab.tfstate"),
    JSON.stringify({
      resources: [
        { mode: "managed", type: "docker_container", instances: [{ attributes: { id: "a1" } }] },
        { mode: "managed", type: "docker_network", instances: [{ attributes: { id: "n1" } }] },
      ],
    }),
  );
});
afterEach(() => rmSync(stack, { recursive: true, force: true }));

/** A mark as an apply's homedock leaves it, with a pid no process has. */
function markedByGone(): void {
  writeFileSync(applyingFile(stack), JSON.stringify({ pid: 2 ** 22 + 1 }));
}

describe("after an apply that ended by itself", () => {
  it("there is no mark, nothing is asked of the engine, and nothing is left over", async () => {
    markApplying(stack);
    applyEnded(stack, 1);
    expect(existsSync(applyingFile(stack))).toBe(false);
    expect(await cutOff(stack, "lab", engine(["b1\tlab-bob.py"], []))).toEqual([]);
    expect(calls).toEqual([]);
  });
});

describe("after an apply cut off by a signal", () => {
  it("keeps the mark (status 128 + the signal's number)", () => {
    markApplying(stack);
    applyEnded(stack, 137);
    expect(existsSync(applyingFile(stack))).toBe(true);
  });

  it("finds this host's objects the stack declares and the state does not hold, and nothing else", async () => {
    markedByGone();
    const left = await cutOff(
      stack,
      "lab",
      engine(
        // alice's is in the state; bob's and the one-shot are not; carol's the stack does not declare.
        ["a1\tlab-alice.py", "b1\tlab-bob.py", "h1\tlab-homes-py", "c1\tlab-carol.py"],
        ["n1\tlab", "n2\tlab-login"],
      ),
    );
    expect(left).toEqual([
      { kind: "container", id: "b1", name: "lab-bob.py" },
      { kind: "container", id: "h1", name: "lab-homes-py" },
    ]);
    // Only this host's, by its label.
    expect(calls.map((c) => c.slice(0, 2).join(" "))).toEqual(["ps -a", "network ls"]);
    for (const c of calls) expect(c).toContain("label=homedock.host=lab");
  });

  it("a network the state lost too, and a first apply with no state at all", async () => {
    markedByGone();
    rmSync(path.join(stack, "terraform.lab.tfstate"));
    const left = await cutOff(stack, "lab", engine(["a1\tlab-alice.py"], ["n9\tlab"]));
    expect(left).toEqual([
      { kind: "container", id: "a1", name: "lab-alice.py" },
      { kind: "network", id: "n9", name: "lab" },
    ]);
  });

  it("on a Swarm, its services too: one the state holds by its full id, which `service ls` shows the start of, is not left over", async () => {
    markedByGone();
    declare({ docker_service: { alice: { name: "lab-alice--py" }, bob: { name: "lab-bob--py" } } });
    writeFileSync(
      path.join(stack, "terraform.lab.tfstate"),
      JSON.stringify({ resources: [{ mode: "managed", type: "docker_service", instances: [{ attributes: { id: "s1aaaaaaaaaa0123456789" } }] }] }),
    );
    const services = async (args: readonly string[]) => {
      calls.push([...args]);
      return { status: 0, stdout: args[0] === "service" ? "s1aaaaaaaaaa\tlab-alice--py\ns2bbbbbbbbbb\tlab-bob--py\n" : "", stderr: "" };
    };
    expect(await cutOff(stack, "lab", services)).toEqual([{ kind: "service", id: "s2bbbbbbbbbb", name: "lab-bob--py" }]);
    await removeLeftovers(stack, [{ kind: "service", id: "s2bbbbbbbbbb", name: "lab-bob--py" }], services);
    expect(calls.at(-1)).toEqual(["service", "rm", "s2bbbbbbbbbb"]);
  });

  it("on a Swarm with a front door, its secrets too: named by a hash, then the stack's literal end; the state's, and others, are not left over", async () => {
    markedByGone();
    const name = (file: string) =>
      `\${substr(nonsensitive(sha256(join("\\n", ["lab", "${file}", var.frontdoor_files["lab/login-cookie-secret"], var.frontdoor_files["lab/${file}"]]))), 0, 16)}-lab-${file}`;
    declare({
      docker_service: { entry: { name: "lab_frontdoor" } },
      docker_secret: { caddyfile: { name: name("Caddyfile") }, ca: { name: name("peers-ca.crt") } },
    });
    writeFileSync(
      path.join(stack, "terraform.lab.tfstate"),
      JSON.stringify({ resources: [{ mode: "managed", type: "docker_secret", instances: [{ attributes: { id: "held0000000000000000000001" } }] }] }),
    );
    const listing = [
      "held0000000000000000000001\t0123456789abcdef-lab-Caddyfile",
      // What the cut-off apply made: a new Caddyfile's secret, and the CA's.
      "made0000000000000000000002\tfedcba9876543210-lab-Caddyfile",
      "made0000000000000000000003\t00000000000000aa-lab-peers-ca.crt",
      // Not this stack's names: another file, a name without the hash, a hash of another length.
      "othr0000000000000000000004\t0123456789abcdef-lab-notes.txt",
      "othr0000000000000000000005\tlab-0123456789abcdef-Caddyfile",
      "othr0000000000000000000006\t0123456789abcde-lab-Caddyfile",
    ].join("\n");
    const secrets = async (args: readonly string[]) => {
      calls.push([...args]);
      return { status: 0, stdout: args[0] === "secret" ? `${listing}\n` : "", stderr: "" };
    };
    const left = await cutOff(stack, "lab", secrets);
    expect(left).toEqual([
      { kind: "secret", id: "made0000000000000000000002", name: "fedcba9876543210-lab-Caddyfile" },
      { kind: "secret", id: "made0000000000000000000003", name: "00000000000000aa-lab-peers-ca.crt" },
    ]);
    expect(calls.find((c) => c[0] === "secret")).toEqual(["secret", "ls", "--filter", "label=homedock.host=lab", "--format", "{{.ID}}\t{{.Name}}"]);
    await removeLeftovers(stack, [...left, { kind: "service", id: "s1", name: "lab_frontdoor" }], secrets);
    expect(calls.slice(-2)).toEqual([
      ["service", "rm", "s1"],
      ["secret", "rm", "made0000000000000000000002", "made0000000000000000000003"],
    ]);
  });

  it("waits for a removed service's tasks to let go of an overlay before it removes it, and not for anything else", async () => {
    markedByGone();
    declare({ docker_service: { entry: { name: "lab_frontdoor" } }, docker_network: { doors: { name: "lab-doors" } } });
    let refusals = 2;
    const swarm = async (args: readonly string[]) => {
      calls.push([...args]);
      if (args[0] === "network" && args[1] === "rm" && refusals-- > 0) {
        return { status: 1, stdout: "", stderr: "Error response from daemon: rpc error: code = FailedPrecondition desc = network n2 is in use by task t1" };
      }
      return { status: 0, stdout: "", stderr: "" };
    };
    const left = [
      { kind: "network" as const, id: "n2", name: "lab-doors" },
      { kind: "service" as const, id: "s1", name: "lab_frontdoor" },
    ];
    await removeLeftovers(stack, left, swarm);
    expect(calls).toEqual([["service", "rm", "s1"], ...Array.from({ length: 3 }, () => ["network", "rm", "n2"])]);
    // Any other refusal is said at once.
    calls = [];
    const refusing = async (args: readonly string[]) => {
      calls.push([...args]);
      return { status: 1, stdout: "", stderr: "Error response from daemon: permission denied" };
    };
    await expect(removeLeftovers(stack, [left[0]], refusing)).rejects.toThrow(
      /could not remove what the cut-off apply left \(lab-doors\): Error response from daemon: permission denied/,
    );
    expect(calls).toEqual([["network", "rm", "n2"]]);
  }, 10_000);

  it("asks no Swarm for services where the stack declares none", async () => {
    markedByGone();
    await cutOff(stack, "lab", engine([], []));
    expect(calls.map((c) => c[0])).toEqual(["ps", "network"]);
  });

  it("removes them by id, the containers first", async () => {
    markedByGone();
    await removeLeftovers(
      stack,
      [
        { kind: "network", id: "n9", name: "lab" },
        { kind: "container", id: "b1", name: "lab-bob.py" },
      ],
      engine([], []),
    );
    expect(calls).toEqual([
      ["rm", "-f", "b1"],
      ["network", "rm", "n9"],
    ]);
  });

  it("says so when the engine does not answer or will not remove them", async () => {
    markedByGone();
    await expect(cutOff(stack, "lab", engine([], [], 1))).rejects.toThrow(/the last apply was cut off, and the Docker host does not answer .*Cannot connect/);
    await expect(removeLeftovers(stack, [{ kind: "container", id: "b1", name: "lab-bob.py" }], engine([], [], 1))).rejects.toThrow(
      "could not remove what the cut-off apply left (lab-bob.py): Cannot connect to the Docker daemon",
    );
  });

  it("refuses while the homedock that marked it still runs, naming it, and asks the engine nothing", async () => {
    writeFileSync(applyingFile(stack), JSON.stringify({ pid: process.ppid }));
    await expect(cutOff(stack, "lab", engine(["b1\tlab-bob.py"], []))).rejects.toThrow(
      `another homedock (pid ${process.ppid}) is applying this stack: wait for it to end (or, if that pid is not homedock, remove ${applyingFile(stack)})`,
    );
    expect(calls).toEqual([]);
  });

  it("does not count the homedock asking among the processes working in the stack's directory", async () => {
    markedByGone();
    const cwd = process.cwd();
    process.chdir(stack);
    try {
      expect(await cutOff(stack, "lab", engine([], []))).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });
});
