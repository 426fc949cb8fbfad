// The configs most tests start from, and a Host synthesized from one: the stack's
// Terraform JSON, its containers by name, their labels.
import { Testing, TerraformStack } from "cdktf";
import { type ConfigInput } from "../../src/config/schema";
import { Host } from "../../constructs/host";
import { LABEL_ENVIRONMENT, LABEL_HOST, LABEL_ROLE, LABEL_USER, ROLE } from "../../src/container/container";

export type Json = Record<string, any>;

/** A small valid config: two environments (one for a group), three users. */
export function courseConfig(): ConfigInput {
  return {
    host: { name: "course" },
    environments: [
      { name: "python-course", image: "homedock/python:1", command: ["jupyter", "notebook", "--port=8888"] },
      { name: "r-intro", image: "homedock/r:1", command: ["jupyter", "notebook"], memory: "3g", cpus: 1.5, groups: ["stats"] },
    ],
    users: [
      { name: "alice", uid: 1001, gid: 1001, groups: ["stats"] },
      { name: "bob", uid: 1002, gid: 1002 },
      { name: "carol", uid: 1003, gid: 1003, home: "/srv/home/carol", supplementaryGids: [100, 200], groups: ["stats"], memory: "4g", cpus: "2" },
    ],
  };
}

/**
 * The course on a Swarm of three nodes: homes made elsewhere, no supplementary groups
 * (what a swarm requires), bob pinned to node-3, and r-intro with a read-only root.
 */
export function swarmCourseConfig(): ConfigInput {
  const course = courseConfig();
  return {
    ...course,
    host: { ...course.host, createHomes: false },
    swarm: { nodes: [{ name: "node-1" }, { name: "node-2" }, { name: "node-3" }] },
    environments: course.environments.map((e) => (e.name === "r-intro" ? { ...e, readOnlyRoot: true } : e)),
    users: course.users!.map(({ supplementaryGids: _, ...u }) => (u.name === "bob" ? { ...u, node: "node-3" } : u)),
  };
}

/** The course on three nodes behind a front door (lab.example.org, ports 8443 and 8080), its environments Jupyter Notebook. */
export function swarmDoorConfig(): ConfigInput {
  const c = swarmCourseConfig();
  return {
    ...c,
    frontDoor: { site: "lab.example.org", httpsPort: 8443, httpPort: 8080 },
    environments: c.environments.map((e) => ({ ...e, jupyter: "notebook" as const, command: ["jupyter", "notebook"] })),
  };
}

/** Two Jupyter environments (one for a group) and one that is not Jupyter; three users. */
export function frontDoorConfig(users = ["alice", "bob", "carol"]): ConfigInput {
  return {
    host: { name: "lab" },
    frontDoor: { site: "lab.example.org", listen: ["127.0.0.1"], httpsPort: 8443, httpPort: 8080 },
    environments: [
      { name: "py", image: "lab/py:1", displayName: "Python <3> & {$HOME} `x`", command: ["jupyter", "lab"], jupyter: "server", idleKernelTimeout: 600 },
      { name: "nb", image: "lab/nb:1", command: ["jupyter", "notebook"], jupyter: "notebook", groups: ["stats"] },
      { name: "shell", image: "lab/shell:1", command: ["sleep", "infinity"] },
    ],
    users: users.map((name, i) => ({ name, uid: 2001 + i, gid: 2001 + i, groups: name === "bob" ? [] : ["stats"] })),
  };
}

/** Synthesizes a Host from config props and returns the stack's Terraform JSON. */
export function synthHost(config: ConfigInput): Json {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new Host(stack, "host", config);
  return JSON.parse(Testing.synth(stack));
}

export function labels(resource: Json): Record<string, string> {
  return Object.fromEntries((resource.labels ?? []).map((l: Json) => [l.label, l.value]));
}

/**
 * docker_container resources keyed "user/environment" (workspaces), by their key for the
 * one-shots that make homes ("homes", "homes-<environment>"), or by role alone (the front door's).
 */
export function containersByName(tf: Json): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const c of Object.values<Json>(tf.resource.docker_container ?? {})) {
    const l = labels(c);
    if (l[LABEL_ROLE] === ROLE.home) {
      out[(c.name as string).slice(l[LABEL_HOST].length + 1)] = c;
      continue;
    }
    const what = l[LABEL_ROLE] === ROLE.workspace ? l[LABEL_ENVIRONMENT] : l[LABEL_ROLE];
    out[l[LABEL_USER] === undefined ? what : `${l[LABEL_USER]}/${what}`] = c;
  }
  return out;
}

/** The terraform_data resources that start root containers (their triggers name the container), by logical id. */
export function startsOf(tf: Json): [string, Json][] {
  return Object.entries<Json>(tf.resource.terraform_data ?? {}).filter(([, d]) => d.triggers_replace !== undefined);
}

/**
 * What a container's replace_triggered_by names for the docker_network called `name`: the
 * network, and the terraform_data holding its id (constructs/container.ts: networkTriggers).
 */
export function networkTriggersOf(tf: Json, name: string): [string, string] {
  const network = Object.entries<Json>(tf.resource.docker_network ?? {}).find(([, n]) => n.name === name);
  if (network === undefined) throw new Error(`no docker_network ${name}`);
  const holders = Object.entries<Json>(tf.resource.terraform_data ?? {}).filter(([, d]) => d.input === `\${docker_network.${network[0]}.id}`);
  if (holders.length !== 1) throw new Error(`${holders.length} terraform_data holding the id of docker_network ${name}; expected 1`);
  return [`docker_network.${network[0]}`, `terraform_data.${holders[0][0]}`];
}
