// The stack file for `docker stack deploy`, read back: one service per workspace on its
// user's node, saying what the workspace's container says in the Compose file, in the
// words a Swarm honours, and nothing it would ignore.
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import { renderCompose } from "../../../src/render/compose";
import { renderStack, stackFile } from "../../../src/render/stack";
import { SEEDER_SCRIPT } from "../../../src/container/container";
import type { ConfigInput } from "../../../src/config/schema";
import { courseConfig, type Json, swarmCourseConfig } from "../../helpers/synth";

const model = buildModel(swarmCourseConfig());
const text = renderStack(model);
const stack: Json = parse(text, { merge: true });
const nodeOf = (user: string) => model.users.find((u) => u.name === user)!.node;

/** The same config without its swarm section: one host's Compose file. */
function singleHost(config: ConfigInput): ConfigInput {
  const { swarm: _, ...rest } = config;
  return { ...rest, users: rest.users!.map(({ node: __, ...u }) => u) };
}
const compose: Json = parse(renderCompose(buildModel(singleHost(swarmCourseConfig()))), { merge: true });

/** What both files write under the same keys. */
function sameKeys(s: Json) {
  return {
    image: s.image,
    user: s.user,
    entrypoint: s.entrypoint,
    command: s.command,
    workingDir: s.working_dir,
    envFile: s.env_file,
    environment: s.environment,
    labels: s.labels,
    readOnly: s.read_only,
    init: s.init,
    capAdd: s.cap_add,
    capDrop: s.cap_drop,
  };
}

/** What both files must say of a workspace, read from the Compose file's container. */
function fromCompose(s: Json) {
  return {
    ...sameKeys(s),
    serviceLabels: s.labels,
    binds: s.volumes.map(({ bind: _, ...v }: Json) => v),
    tmpfs: (s.tmpfs ?? []).map((t: string) => t.split(":")[0]),
    cpus: s.cpus,
    memoryMiB: Number(/^(\d+)m$/.exec(s.mem_limit)![1]),
    pids: s.pids_limit,
  };
}

/** The same, read from the stack file's service: labels, mounts and limits where a stack file says them. */
function fromStack(s: Json) {
  const { limits } = s.deploy.resources;
  return {
    ...sameKeys(s),
    serviceLabels: s.deploy.labels,
    binds: s.volumes.filter((v: Json) => v.type === "bind"),
    tmpfs: s.volumes.filter((v: Json) => v.type === "tmpfs").map((v: Json) => v.target),
    cpus: Number(limits.cpus),
    memoryMiB: Number(/^(\d+)m$/.exec(limits.memory)![1]),
    pids: limits.pids,
  };
}

describe("the stack file", () => {
  it("has one service per workspace, <user>--<environment>, in format 3.9, and nothing else", () => {
    expect(Object.keys(stack.services)).toEqual(["alice--python-course", "alice--r-intro", "bob--python-course", "carol--python-course", "carol--r-intro"]);
    expect(model.workspaces.length).toBe(5);
    expect(stack.version).toBe("3.9");
    // The stack's name is docker stack deploy's argument; a 3.9 file has no "name", no volumes.
    expect(Object.keys(stack).sort()).toEqual(["networks", "services", "version", "x-homedock-seeder"]);
  });

  it("says what each workspace's container says in the Compose file: image, user, mounts, seeder, environment, labels, limits", () => {
    for (const ws of model.workspaces) {
      const service = `${ws.user.name}--${ws.environment.name}`;
      expect(fromStack(stack.services[service]), service).toEqual(fromCompose(compose.services[`${ws.user.name}.${ws.environment.name}`]));
    }
    expect(Object.keys(compose.services).length).toBe(Object.keys(stack.services).length);
  });

  it("runs one replica of each workspace on its user's node: the pinned one, else the model's choice", () => {
    expect(nodeOf("bob")).toBe("node-3");
    for (const [name, s] of Object.entries<Json>(stack.services)) {
      const user = name.split("--")[0];
      expect([name, s.deploy.replicas, s.deploy.placement]).toEqual([name, 1, { constraints: [`node.labels.homedock.node == ${nodeOf(user)}`] }]);
    }
  });

  it("binds the home and the shared mounts in the long syntax, without what a 3.9 file or a Swarm does not take", () => {
    expect(stack.services["carol--r-intro"].volumes).toEqual([
      { type: "bind", source: "/srv/home/carol", target: "/srv/home/carol", read_only: false },
      { type: "bind", source: "/srv/data", target: "/srv/data", read_only: true },
      { type: "tmpfs", target: "/tmp" },
    ]);
  });

  it("gives a read-only root and a tmpfs on /tmp only where the environment asks", () => {
    const where = Object.entries<Json>(stack.services).map(([n, s]) => [n, s.read_only ?? false, s.volumes.some((v: Json) => v.type === "tmpfs")]);
    expect(where).toEqual([
      ["alice--python-course", false, false],
      ["alice--r-intro", true, true],
      ["bob--python-course", false, false],
      ["carol--python-course", false, false],
      ["carol--r-intro", true, true],
    ]);
  });

  it("limits CPUs, memory and processes under deploy, as Swarm reads them", () => {
    expect(stack.services["carol--r-intro"].deploy.resources).toEqual({ limits: { cpus: "2.0", memory: "4096m", pids: 1024 } });
    expect(stack.services["alice--r-intro"].deploy.resources).toEqual({ limits: { cpus: "1.5", memory: "3072m", pids: 1024 } });
  });

  it("is locked down: init, every capability dropped; says nothing docker stack deploy ignores or refuses", () => {
    for (const [name, s] of Object.entries<Json>(stack.services)) {
      expect([name, s.init, s.cap_drop]).toEqual([name, true, ["ALL"]]);
      // Ignored by docker stack deploy (restart, security_opt: deploy.restart_policy and
      // the node baseline say them), refused in a 3.9 file (group_add, mem_limit,
      // memswap_limit, cpus, pids_limit: deploy.resources), or meaningless for a service.
      for (const key of [
        "restart",
        "security_opt",
        "group_add",
        "container_name",
        "mem_limit",
        "memswap_limit",
        "cpus",
        "pids_limit",
        "tmpfs",
        "depends_on",
        "network_mode",
        "ports",
      ]) {
        expect([name, key, s[key]]).toEqual([name, key, undefined]);
      }
    }
  });

  it("puts every workspace on its node's bridge, never on the stack's default overlay", () => {
    for (const [name, s] of Object.entries<Json>(stack.services)) expect([name, s.networks]).toEqual([name, ["bridge"]]);
    expect(stack.networks).toEqual({ bridge: { external: true, name: "bridge" } });
  });

  it.each([
    ["no", "none"],
    ["on-failure", "on-failure"],
    ["always", "any"],
    ["unless-stopped", "any"],
  ] as const)("restarts a workspace of restart: %s on condition %s", (restart, condition) => {
    const config = swarmCourseConfig();
    config.host = { ...config.host, defaults: { restart } };
    const file: Json = parse(renderStack(buildModel(config)));
    for (const s of Object.values<Json>(file.services)) expect(s.deploy.restart_policy).toEqual({ condition });
  });

  it("changes no other service when a user is added", () => {
    const config = swarmCourseConfig();
    config.users = [...config.users!, { name: "dave", uid: 1004, gid: 1004 }];
    const more = stackFile(buildModel(config)).services as Json;
    const before = stackFile(model).services as Json;
    expect(Object.keys(more).filter((k) => !(k in before))).toEqual(["dave--python-course"]);
    for (const name of Object.keys(before)) expect(more[name], name).toEqual(before[name]);
  });

  it("carries the seeder once, by anchor, with every '$' left to no interpolation", () => {
    expect(text.split(SEEDER_SCRIPT.split("\n")[1]).length - 1).toBe(1);
    expect(stack.services["bob--python-course"].entrypoint).toEqual(["/bin/sh", "-c", SEEDER_SCRIPT.replace(/\$/g, "$$$$"), "homedock-seed"]);
  });

  it("parses back to exactly what it was built from, read as YAML 1.2 or 1.1, and is the same bytes for the same model", () => {
    const built = stackFile(model);
    expect(parse(text)).toEqual(built);
    expect(parse(text, { version: "1.1" })).toEqual(built);
    expect(renderStack(buildModel(swarmCourseConfig()))).toBe(text);
  });

  it("is only for a host with a swarm section", () => {
    expect(() => renderStack(buildModel(courseConfig()))).toThrow("renderStack: host course has no swarm section");
  });
});
