// The Terraform rendering of a Swarm: one docker_service per workspace, read back from
// the synthesized stack, held to the stack file's service for the same workspace.
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import { renderStack } from "../../../src/render/stack";
import { processLimitPrefix } from "../../../src/render/service";
import { SEEDER_SCRIPT } from "../../../src/container/container";
import type { ConfigInput } from "../../../src/config/schema";
import { frontDoorConfig, type Json, swarmCourseConfig, synthHost } from "../../helpers/synth";
import { Testing, TerraformStack } from "cdktf";
import { Host } from "../../../constructs/host";

const model = buildModel(swarmCourseConfig());
const tf = synthHost(swarmCourseConfig());
const stack: Json = parse(renderStack(model), { merge: true });
const nodeOf = (user: string) => model.users.find((u) => u.name === user)!.node;

/** docker_service resources by their name in the stack file (`<user>--<environment>`). */
const services: Record<string, Json> = Object.fromEntries(
  Object.values<Json>(tf.resource.docker_service).map((s) => [(s.name as string).slice(`${model.name}_`.length), s]),
);

const pairs = (list: Json[] | undefined) => Object.fromEntries((list ?? []).map((l) => [l.label, l.value]));

/** What a docker_service says of its workspace, in the stack file's words. */
function fromService(s: Json) {
  const c = s.task_spec.container_spec;
  const { JUPYTER_TOKEN: _, ...env } = c.env;
  const [shell, flag, script, name] = c.command;
  return {
    image: c.image,
    user: c.user,
    entrypoint: [shell, flag, script.slice(script.indexOf("\n") + 1), name],
    command: c.args,
    workingDir: c.dir,
    environment: env,
    labels: pairs(c.labels),
    serviceLabels: pairs(s.labels),
    readOnly: c.read_only,
    init: c.init,
    capDrop: c.cap_drop,
    mounts: bySource(
      c.mounts.map((m: Json) =>
        m.type === "tmpfs" ? { type: m.type, target: m.target } : { type: m.type, source: m.source, target: m.target, read_only: m.read_only },
      ),
    ),
    replicas: s.mode.replicated.replicas,
    constraints: s.task_spec.placement.constraints,
    cpus: s.task_spec.resources.limits.nano_cpus / 1e9,
    memoryMiB: s.task_spec.resources.limits.memory_bytes / 2 ** 20,
    restart: s.task_spec.restart_policy.condition,
  };
}

/** Mounts by source, then target (a tmpfs has none). */
function bySource(mounts: Json[]): Json[] {
  const key = (m: Json) => `${m.source ?? ""}\u0000${m.target}`;
  return [...mounts].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The same, from the stack file's service. */
function fromStack(s: Json) {
  const { limits } = s.deploy.resources;
  return {
    image: s.image,
    user: s.user,
    // Compose's "$$" is a dollar.
    entrypoint: s.entrypoint.map((a: string) => a.replace(/\$\$/g, "$")),
    command: s.command,
    workingDir: s.working_dir,
    environment: s.environment,
    labels: s.labels,
    serviceLabels: s.deploy.labels,
    readOnly: s.read_only,
    init: s.init,
    capDrop: s.cap_drop,
    // In Docker's order (the stack file sorts them by source, as the docker CLI does); the provider keeps them as a set.
    mounts: bySource(s.volumes),
    replicas: s.deploy.replicas,
    constraints: s.deploy.placement.constraints,
    cpus: Number(limits.cpus),
    memoryMiB: Number(/^(\d+)m$/.exec(limits.memory)![1]),
    restart: s.deploy.restart_policy.condition,
  };
}

describe("a Swarm's Terraform stack", () => {
  it("has one docker_service per workspace, named as docker stack deploy names the stack file's, and nothing else of the host", () => {
    expect(Object.keys(services)).toEqual(Object.keys(stack.services));
    expect(Object.keys(services).length).toBe(model.workspaces.length);
    // Each node has its images and the homes are made with the accounts: no image, home, container or network.
    expect(Object.keys(tf.resource)).toEqual(["docker_service"]);
  });

  it("says what the stack file says of each workspace: user, mounts, seeder, command, environment, labels, placement, limits, restart", () => {
    for (const [name, s] of Object.entries(services)) {
      const ours = fromService(s);
      const theirs = fromStack(stack.services[name]);
      // The stack file writes the seeder once and refers to it; Terraform holds it in one local.
      expect(ours.entrypoint[2]).toBe("${local.homedock_seeder}");
      expect({ ...ours, entrypoint: [] }, name).toEqual({ ...theirs, entrypoint: [] });
      expect(theirs.entrypoint[2], name).toBe(SEEDER_SCRIPT);
      expect([ours.entrypoint[0], ours.entrypoint[1], ours.entrypoint[3]]).toEqual([theirs.entrypoint[0], theirs.entrypoint[1], theirs.entrypoint[3]]);
    }
  });

  it("pins one replica of each workspace to its user's node", () => {
    expect(nodeOf("bob")).toBe("node-3");
    for (const [name, s] of Object.entries(services)) {
      expect([name, s.task_spec.placement.constraints]).toEqual([name, [`node.labels.homedock.node == ${nodeOf(name.split("--")[0])}`]]);
    }
  });

  it("limits processes by RLIMIT_NPROC before the seeder (provider 4.5.0 has no pids limit for a service), and stops if it cannot", () => {
    const script: string = services["carol--r-intro"].task_spec.container_spec.command[2];
    expect(script).toBe(`${processLimitPrefix(1024)}\${local.homedock_seeder}`);
    expect(processLimitPrefix(256)).toBe("ulimit -u 256 2>/dev/null || ulimit -p 256 || exit 125\n");
  });

  it("takes the token from the sensitive variable, never its value, and restarts as Swarm's defaults say", () => {
    const s = services["alice--python-course"];
    expect(s.task_spec.container_spec.env.JUPYTER_TOKEN).toBe('${var.workspace_tokens["course-alice.python-course"]}');
    expect(s.task_spec.restart_policy).toEqual({ condition: "any", delay: "5s", window: "0s", max_attempts: 0 });
    expect(s.task_spec.networks_advanced).toBeUndefined();
  });
});

describe("what Terraform refuses with a swarm section", () => {
  const swarm = swarmCourseConfig();
  it("a front door, even in a model that is already built", () => {
    const single = buildModel(frontDoorConfig());
    const model = { ...single, swarm: { nodes: ["node-1"] }, users: single.users.map((u) => ({ ...u, node: "node-1" })) };
    const app = Testing.app();
    expect(() => Host.fromModel(new TerraformStack(app, "test"), "host", model)).toThrow(
      /^config: frontDoor: got .*; expected no front door with a swarm section for Terraform \(synth, plan, deploy\): not yet on Swarm/,
    );
    expect(() => synthHost({ ...swarm, frontDoor: { site: "lab.example.org" } })).toThrow(/frontDoor: got .*; expected no front door with a swarm section/);
  });

  it.each<[string, ConfigInput, RegExp]>([
    [
      "a workspace as uid 0",
      { ...swarm, users: [...swarm.users!, { name: "root", uid: 0, gid: 0, allowRoot: true }] },
      /users\[3\]\.uid: got 0; expected a uid other than 0 with a swarm section for Terraform .*RLIMIT_NPROC/,
    ],
  ])("%s, with one error naming the field", (_, config, message) => {
    let error: unknown;
    try {
      synthHost(config);
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(message);
  });
});
