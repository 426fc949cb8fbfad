// The Terraform rendering of a Swarm: one docker_service per workspace, read back from
// the synthesized stack, held to the stack file's service for the same workspace.
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import { renderStack } from "../../../src/render/stack";
import { processLimitPrefix } from "../../../src/render/service";
import { SEEDER_SCRIPT } from "../../../src/container/container";
import type { ConfigInput } from "../../../src/config/schema";
import { type Json, swarmCourseConfig, swarmDoorConfig, synthHost } from "../../helpers/synth";
import { doorServices } from "../../../src/container/swarm-door";
import { secretName } from "../../../constructs/swarm-door";

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

describe("the front door across a Swarm's nodes in Terraform", () => {
  const doorModel = buildModel(swarmDoorConfig());
  const doorTf = synthHost(swarmDoorConfig());
  // The files are the sensitive variable's in Terraform; for the stack file, any content names its secrets.
  const files = Object.fromEntries(doorServices(doorModel).flatMap((d) => d.secrets.map((f) => [f.file, `the content of ${f.file}`])));
  const doorStack: Json = parse(renderStack(doorModel, files), { merge: true });
  const doors = doorServices(doorModel).map((d) => d.service);
  const tfServices: Record<string, Json> = Object.fromEntries(
    Object.values<Json>(doorTf.resource.docker_service).map((s) => [(s.name as string).slice(`${doorModel.name}_`.length), s]),
  );
  /** A resource's reference, `${docker_secret.<id>.id}`, as its logical id. */
  const ref = (expr: string, type: string) => new RegExp(`^\\$\\{${type}\\.([^.]+)\\.(id|name)\\}$`).exec(expr)?.[1];
  const network = (expr: string) => doorTf.resource.docker_network[ref(expr, "docker_network")!];
  const secret = (expr: string) => doorTf.resource.docker_secret[ref(expr, "docker_secret")!];
  const fileOf = (s: Json) => /var\.frontdoor_files\["course\/([^"]+)"\]\)\}$/.exec(s.data)![1];

  it("has the stack file's services: the entry proxy, each node's proxy and the login's, named as docker stack deploy names them", () => {
    expect(doors).toEqual(["frontdoor", "door--node-1", "door--node-2", "door--node-3", "frontdoor-login", "frontdoor-signin", "frontdoor-signin-limit"]);
    expect(Object.keys(tfServices).sort()).toEqual(Object.keys(doorStack.services).sort());
    expect(Object.keys(doorTf.resource).sort()).toEqual(["docker_network", "docker_secret", "docker_service"]);
  });

  it("says what the stack file says of each: image, user, command, environment, labels, mounts, capabilities, placement, limits, restart", () => {
    for (const name of doors) {
      const [t, st] = [tfServices[name], doorStack.services[name]];
      const c = t.task_spec.container_spec;
      const { limits } = st.deploy.resources;
      expect(
        {
          image: c.image,
          user: c.user,
          entrypoint: c.command,
          command: c.args,
          dir: c.dir,
          env: c.env,
          labels: pairs(c.labels),
          serviceLabels: pairs(t.labels),
          readOnly: c.read_only,
          init: c.init,
          capAdd: c.cap_add,
          capDrop: c.cap_drop,
          mounts: bySource(c.mounts.map((m: Json) => (m.type === "tmpfs" ? m : { type: m.type, source: m.source, target: m.target, read_only: m.read_only }))),
          constraints: t.task_spec.placement.constraints,
          cpus: t.task_spec.resources.limits.nano_cpus / 1e9,
          memoryMiB: t.task_spec.resources.limits.memory_bytes / 2 ** 20,
          restart: t.task_spec.restart_policy.condition,
          endpoint: t.endpoint_spec.mode,
          replicas: t.mode.replicated.replicas,
        },
        name,
      ).toEqual({
        image: st.image,
        user: st.user,
        // Compose's "$$" is a dollar, as Terraform's "$${" is "${".
        entrypoint: st.entrypoint.map((a: string) => a.replace(/\$\$/g, "$").replace(/\$\{/g, "$${")),
        command: st.command,
        dir: st.working_dir,
        env: st.environment ?? {},
        labels: st.labels,
        serviceLabels: st.deploy.labels,
        readOnly: st.read_only,
        init: st.init,
        capAdd: st.cap_add,
        capDrop: st.cap_drop,
        mounts: bySource(st.volumes.map((v: Json) => (v.type === "tmpfs" ? v : { ...v, read_only: v.read_only ?? false }))),
        constraints: st.deploy.placement.constraints,
        cpus: Number(limits.cpus),
        memoryMiB: Number(/^(\d+)m$/.exec(limits.memory)![1]),
        restart: st.deploy.restart_policy.condition,
        endpoint: st.deploy.endpoint_mode,
        replicas: st.deploy.replicas,
      });
    }
  });

  it("publishes the entry proxy's ports alone, in host mode on its node", () => {
    for (const name of doors) {
      const ports = tfServices[name].endpoint_spec.ports ?? [];
      const expected = (doorStack.services[name].ports ?? []).map((p: Json) => ({
        target_port: p.target,
        published_port: p.published,
        protocol: "tcp",
        publish_mode: "host",
      }));
      expect([name, ports]).toEqual([name, expected]);
    }
    expect(tfServices.frontdoor.endpoint_spec.ports.map((p: Json) => p.published_port)).toEqual([8443, 8080]);
  });

  it("joins each service to the stack file's overlays, by its name there (the names the certificates carry), and nothing else", () => {
    const overlays = Object.values<Json>(doorTf.resource.docker_network).map((n) => [n.name, n.driver, n.internal ?? false]);
    expect(overlays.sort()).toEqual(
      Object.values<Json>(doorStack.networks)
        .filter((n) => n.driver === "overlay")
        .map((n) => [n.name, n.driver, n.internal ?? false])
        .sort(),
    );
    for (const name of doors) {
      const joined = tfServices[name].task_spec.networks_advanced.map((n: Json) => ({ name: network(n.id).name, aliases: n.aliases }));
      const expected = (doorStack.services[name].networks as string[]).map((n) => ({ name: doorStack.networks[n].name, aliases: [name] }));
      expect([name, joined]).toEqual([name, expected]);
    }
  });

  it("gives each service the stack file's files where the stack file puts them, each a docker_secret of the variable's content, root's and 0400", () => {
    for (const name of doors) {
      const given = tfServices[name].task_spec.container_spec.secrets.map((r: Json) => {
        expect(ref(r.secret_name, "docker_secret")).toBe(ref(r.secret_id, "docker_secret"));
        return { source: fileOf(secret(r.secret_id)), target: r.file_name, mode: r.file_mode, uid: r.file_uid, gid: r.file_gid };
      });
      expect([name, given]).toEqual([name, doorStack.services[name].secrets.map((s: Json) => ({ ...s, uid: "0", gid: "0" }))]);
    }
  });

  it("names each secret by a keyed hash of its content, made before the old one goes, and never holds the content in the stack", () => {
    const secrets = Object.values<Json>(doorTf.resource.docker_secret);
    expect(secrets.map(fileOf).sort()).toEqual(Object.keys(doorStack.secrets).sort());
    for (const s of secrets) {
      const file = fileOf(s);
      expect(s.data).toBe(`\${base64encode(var.frontdoor_files["course/${file}"])}`);
      // Keyed with the session cookie's secret: a name tells nothing of a weak client secret.
      expect(s.name).toBe(
        `\${substr(nonsensitive(sha256(join("\\n", ["course", "${file}", var.frontdoor_files["course/login-cookie-secret"], var.frontdoor_files["course/${file}"]]))), 0, 16)}-course-${file}`,
      );
      expect(s.lifecycle).toEqual({ create_before_destroy: true });
    }
    expect(JSON.stringify(doorTf)).not.toContain("BEGIN");
  });

  it("keeps a secret's name within Swarm's 64 characters, ending in a letter or digit", () => {
    const name = secretName("h".repeat(40), "peers-door--a-very-long-node-name.key", "x", "k");
    const tail = name.slice(name.lastIndexOf("}") + 1);
    expect(16 + tail.length).toBeLessThanOrEqual(64);
    // Cut to 48 after the hash, then its trailing "-"; the hash is of the whole file name, so two names cut alike still differ.
    expect(tail).toBe(`-${"h".repeat(40)}-peers`);
  });
});

describe("what Terraform refuses with a swarm section", () => {
  const swarm = swarmCourseConfig();
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
