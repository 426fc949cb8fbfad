// The stack file for `docker stack deploy`, read back: one service per workspace on its
// user's node, saying what the workspace's container says in the Compose file, in the
// words a Swarm honours, and nothing it would ignore.
import { createHash } from "node:crypto";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import { renderCompose } from "../../../src/render/compose";
import { renderStack, secretName, stackFile } from "../../../src/render/stack";
import { renderCaddyfile, renderDoorCaddyfile } from "../../../src/render/caddyfile";
import { SEEDER_SCRIPT } from "../../../src/container/container";
import { limiterConfig } from "../../../src/container/login";
import type { ConfigInput } from "../../../src/config/schema";
import { courseConfig, type Json, swarmCourseConfig, swarmDoorConfig } from "../../helpers/synth";

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

/** Mounts by source, then target. */
function bySource(mounts: Json[]): Json[] {
  const key = (m: Json) => `${m.source ?? ""}\u0000${m.target}`;
  return [...mounts].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** What both files must say of a workspace, read from the Compose file's container. */
function fromCompose(s: Json) {
  return {
    ...sameKeys(s),
    serviceLabels: s.labels,
    binds: bySource(s.volumes.map(({ bind: _, ...v }: Json) => v)),
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
    // The same binds, whatever their order (the stack file's is the docker CLI's: below).
    binds: bySource(s.volumes.filter((v: Json) => v.type === "bind")),
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
    // In the order docker service update leaves a service's mounts (by source, then target;
    // a tmpfs has none): a service the CLI updated (homedock restart's --force) reads back
    // as the file says it, and the next stack deploy restarts nothing.
    expect(stack.services["carol--r-intro"].volumes).toEqual([
      { type: "tmpfs", target: "/tmp" },
      { type: "bind", source: "/srv/data", target: "/srv/data", read_only: true },
      { type: "bind", source: "/srv/home/carol", target: "/srv/home/carol", read_only: false },
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

describe("the stack file with a front door", () => {
  /** The course on three nodes behind a front door; `more` users added. */
  function doorConfig(more: { name: string; uid: number; node?: string }[] = []): ConfigInput {
    const c = swarmDoorConfig();
    return { ...c, users: [...c.users!, ...more.map((u) => ({ ...u, gid: u.uid }))] };
  }
  const hashes = (m: ReturnType<typeof buildModel>) => Object.fromEntries(m.users.map((u) => [u.name, `$2b$12$${u.name[0].toUpperCase().repeat(53)}`]));
  /** The front door's files as output writes them: the entry's Caddyfile rendered, every other file a stand-in of its own name. */
  function files(m: ReturnType<typeof buildModel>, change: Record<string, string> = {}): Record<string, string> {
    const content = (name: string) =>
      name === "Caddyfile" ? renderCaddyfile(m, hashes(m)) : name === "door.Caddyfile" ? renderDoorCaddyfile() : (change[name] ?? `content of ${name}`);
    return new Proxy<Record<string, string>>({}, { get: (_, name) => content(String(name)) });
  }
  const doorModel = buildModel(doorConfig());
  const door: Json = parse(renderStack(doorModel, files(doorModel)), { merge: true });
  const nodes = ["node-1", "node-2", "node-3"];

  it("lists every service's mounts by source, then target, bytewise, as docker service update leaves them, not by target", () => {
    const source = (v: Json) => Buffer.from(v.type === "tmpfs" ? "" : String(v.source).replaceAll("$$", "$"));
    let sortedOtherwise = 0;
    for (const [name, s] of Object.entries<Json>(door.services)) {
      const volumes: Json[] = s.volumes ?? [];
      for (let i = 1; i < volumes.length; i++) expect(Buffer.compare(source(volumes[i - 1]), source(volumes[i])), `${name} #${i}`).toBeLessThanOrEqual(0);
      const targets = volumes.map((v) => String(v.target));
      if (targets.join("\n") !== [...targets].sort().join("\n")) sortedOtherwise++;
    }
    // A workspace's socket directory (under /var/lib/homedock, bound at /run/homedock) comes after its home by source, before it by target.
    expect(sortedOtherwise).toBeGreaterThan(0);
  });

  it("adds the entry proxy, a proxy per node and the login to the workspaces", () => {
    expect(Object.keys(door.services).filter((s) => !s.includes("--") || s.startsWith("door--"))).toEqual([
      "frontdoor",
      "door--node-1",
      "door--node-2",
      "door--node-3",
      "frontdoor-login",
      "frontdoor-signin",
      "frontdoor-signin-limit",
    ]);
  });

  it("publishes the ports on the first node alone, in host mode, from the entry proxy alone", () => {
    const entry = door.services.frontdoor;
    expect(entry.ports).toEqual([
      { target: 443, published: 8443, protocol: "tcp", mode: "host" },
      { target: 80, published: 8080, protocol: "tcp", mode: "host" },
    ]);
    expect(entry.deploy.placement).toEqual({ constraints: ["node.labels.homedock.node == node-1"] });
    // Its own overlay (not internal: its host-mode ports come in through it), then the proxies' and the login's.
    expect(entry.networks).toEqual(["course-entry", "course-doors", "course-login"]);
    expect([entry.cap_add, entry.cap_drop, entry.read_only, entry.user]).toEqual([["CAP_NET_BIND_SERVICE"], ["ALL"], true, "0:0"]);
    // It reaches no socket: no bind of the runtime tree.
    expect(entry.volumes.filter((v: Json) => v.type === "bind")).toEqual([]);
    for (const [name, s] of Object.entries<Json>(door.services)) if (name !== "frontdoor") expect([name, s.ports]).toEqual([name, undefined]);
  });

  it("runs each node's proxy on its node, by name on the proxies' overlay alone, with its node's socket tree read-only and DAC_OVERRIDE alone", () => {
    for (const node of nodes) {
      const s = door.services[`door--${node}`];
      expect(s.deploy.placement).toEqual({ constraints: [`node.labels.homedock.node == ${node}`] });
      expect([s.deploy.endpoint_mode, s.deploy.replicas, s.networks]).toEqual(["dnsrr", 1, ["course-doors"]]);
      expect(s.volumes).toEqual([
        { type: "tmpfs", target: "/tmp" },
        { type: "bind", source: "/var/lib/homedock/course", target: "/run/homedock", read_only: true },
      ]);
      expect([s.cap_add, s.cap_drop, s.read_only, s.init]).toEqual([["CAP_DAC_OVERRIDE"], ["ALL"], true, true]);
      expect(s.secrets).toEqual([
        { source: "door.Caddyfile", target: "/homedock/config/Caddyfile", mode: 0o400 },
        { source: "peers-ca.crt", target: "/homedock/peers/ca.crt", mode: 0o400 },
        { source: `peers-door--${node}.crt`, target: "/homedock/peers/door.crt", mode: 0o400 },
        { source: `peers-door--${node}.key`, target: "/homedock/peers/door.key", mode: 0o400 },
      ]);
    }
  });

  it("keeps every workspace on its node's bridge, off the proxies' and the login's overlays, its socket directory bound from its node", () => {
    for (const ws of doorModel.workspaces) {
      const s = door.services[`${ws.user.name}--${ws.environment.name}`];
      expect(s.networks).toEqual(["bridge"]);
      expect(s.volumes).toContainEqual({
        type: "bind",
        source: `/var/lib/homedock/course/${ws.user.name}/${ws.environment.name}`,
        target: "/run/homedock",
        read_only: false,
      });
    }
    expect(door.networks).toEqual({
      bridge: { external: true, name: "bridge" },
      "course-entry": { name: "course-entry", driver: "overlay", labels: { "homedock.host": "course" } },
      // Internal: a node's proxy is on no network its node reaches.
      "course-doors": { name: "course-doors", driver: "overlay", internal: true, labels: { "homedock.host": "course" } },
      "course-login": { name: "course-login", driver: "overlay", internal: true, labels: { "homedock.host": "course" } },
    });
  });

  it("gives the login's services only the files each reads, on the login's overlay alone", () => {
    const sources = (name: string) => door.services[name].secrets.map((f: Json) => f.source);
    // Each its own certificate and key, no other's.
    const tls = (name: string) => [`peers-${name}.crt`, `peers-${name}.key`];
    expect(sources("frontdoor-login")).toEqual([...tls("frontdoor-login"), "sign_in.html", "error.html", "login-cookie-secret"]);
    expect(sources("frontdoor-signin")).toEqual([...tls("frontdoor-signin"), "sign_in.html", "error.html", "login-cookie-secret", "login-htpasswd"]);
    expect(sources("frontdoor-signin-limit")).toEqual(["login-limit.cfg", "peers-frontdoor-signin-limit.pem", "peers-ca.crt"]);
    for (const name of ["frontdoor-login", "frontdoor-signin", "frontdoor-signin-limit"]) {
      expect([name, door.services[name].networks, door.services[name].deploy.placement.constraints]).toEqual([
        name,
        ["course-login"],
        ["node.labels.homedock.node == node-1"],
      ]);
    }
  });

  it("names each file's Swarm secret by a hash of its content: a changed file is a new secret for the services that read it alone", () => {
    const changed: Json = parse(renderStack(doorModel, files(doorModel, { "peers-door--node-2.key": "another key" })));
    const differ = Object.keys(door.secrets).filter((k) => door.secrets[k].name !== changed.secrets[k].name);
    expect(differ).toEqual(["peers-door--node-2.key"]);
    expect(door.secrets["peers-door--node-2.key"]).toEqual({
      file: "./homedock-secrets/frontdoor/peers-door--node-2.key",
      name: expect.stringMatching(/^course-[0-9a-f]{16}-peers-door--node-2\.key$/),
    });
    const long = secretName("h".repeat(40), "peers-door--node-with-a-long-name.crt", "x", "k");
    expect([long.length <= 64, /^[a-z0-9].*[A-Za-z0-9]$/.test(long)]).toEqual([true, true]);
  });

  it("keys each name's hash with the session cookie's secret: the stack file, which is reviewed, tells nothing of a weak client secret", () => {
    const rekeyed: Json = parse(renderStack(doorModel, files(doorModel, { "login-cookie-secret": "another cookie secret" })));
    // Every name changes with the key, and none is the unkeyed hash of its content.
    expect(Object.keys(door.secrets).filter((k) => door.secrets[k].name === rekeyed.secrets[k].name)).toEqual([]);
    const unkeyed = (file: string, content: string) => createHash("sha256").update(`${file}\0${content}`).digest("hex").slice(0, 16);
    const given = files(doorModel);
    const names = Object.keys(door.secrets);
    expect(names.length).toBeGreaterThan(10);
    for (const file of names) expect(door.secrets[file].name, file).not.toContain(unkeyed(file, given[file]));
  });

  it("changes no node proxy, no login and no other workspace when a user is added: only the secret of the entry's Caddyfile is new", () => {
    const more = buildModel(doorConfig([{ name: "dave", uid: 1004 }]));
    const after: Json = parse(renderStack(more, files(more)), { merge: true });
    for (const name of Object.keys(door.services)) expect(after.services[name], name).toEqual(door.services[name]);
    expect(Object.keys(after.services).filter((k) => !(k in door.services))).toEqual(["dave--python-course"]);
    // (The sign-in's password file is new too where dave has a password: a stand-in here.)
    expect(Object.keys(door.secrets).filter((k) => after.secrets[k].name !== door.secrets[k].name)).toEqual(["Caddyfile"]);
    const readers = Object.keys(door.services).filter((k) => door.services[k].secrets?.some((f: Json) => f.source === "Caddyfile"));
    expect(readers).toEqual(["frontdoor"]);
  });

  it("routes each user to their node's proxy, and gives a node's users a page of their own when it does not answer", () => {
    const caddyfile = renderCaddyfile(doorModel, hashes(doorModel));
    expect(caddyfile).toContain(`\t\t\t\treverse_proxy https://door--${nodeOf("bob")}:8443 {`);
    expect(caddyfile).toContain("\t\t\t\t\theader_up X-Homedock-Workspace bob/python-course");
    expect(caddyfile).not.toContain("unix/");
    const onNode = (node: string) => doorModel.users.filter((u) => u.node === node).map((u) => u.name);
    for (const node of nodes.filter((n) => onNode(n).length > 0)) {
      expect(caddyfile).toContain(
        `\t\t@down_${node} {\n\t\t\texpression {http.error.status_code} == 502\n\t\t\tvars homedock_reached ${onNode(node).join(" ")}\n\t\t}`,
      );
    }
    expect(caddyfile).toContain("The machine your workspace runs on is down");
  });

  it("carries an OpenID Connect login's CA file to the sign-in alone, as a secret (no bind of a file of one machine)", () => {
    const c = swarmDoorConfig();
    const m = buildModel({
      ...c,
      frontDoor: { ...c.frontDoor!, login: { method: "oidc", issuer: "https://id.example.org", clientId: "lab", caFile: "/srv/tls/ca.pem" } },
      users: c.users!.map((u) => ({ ...u, identity: `${u.name}@example.org` })),
    });
    const stack: Json = parse(renderStack(m, files(m)), { merge: true });
    const withCa = Object.keys(stack.services).filter((name) =>
      (stack.services[name].secrets ?? []).some((f: Json) => f.source === "login-provider-ca.pem" && f.target === "/homedock/login-ca.pem"),
    );
    expect(withCa).toEqual(["frontdoor-signin"]);
    for (const name of Object.keys(stack.services)) {
      const binds = (stack.services[name].volumes ?? []).filter((v: Json) => v.type === "bind").map((v: Json) => v.source);
      expect([name, binds.filter((b: string) => b.startsWith("/srv/tls"))]).toEqual([name, []]);
    }
  });

  it("reaches the login's services over TLS alone, each checked under its own name against homedock's CA; one host's stays plain", () => {
    const caddyfile = renderCaddyfile(doorModel, hashes(doorModel));
    const transport = (indent: string, name: string) =>
      `${indent}transport http {\n${indent}\ttls_trusted_ca_certs /homedock/peers/ca.crt\n${indent}\ttls_server_name ${name}\n${indent}}`;
    expect(caddyfile).toContain(`\t\tforward_auth https://frontdoor-login:4180 {\n${transport("\t\t\t", "frontdoor-login")}\n`);
    expect(caddyfile).toContain(`\t\treverse_proxy https://frontdoor-signin-limit:4182 {\n${transport("\t\t\t", "frontdoor-signin-limit")}\n`);
    expect(caddyfile).toContain(`\t\t\t\treverse_proxy https://frontdoor-signin-limit:4182 {\n${transport("\t\t\t\t\t", "frontdoor-signin-limit")}\n`);
    expect(caddyfile).not.toMatch(/(forward_auth|reverse_proxy) (?!https:\/\/)[a-z-]+:418/);
    // oauth2-proxy: HTTPS only (with a certificate it opens no plain listener), TLS 1.3.
    for (const [name, port] of [
      ["frontdoor-login", 4180],
      ["frontdoor-signin", 4181],
    ] as const) {
      const command: string[] = door.services[name].command;
      expect(command.filter((f) => /^--(http|https|tls)-/.test(f))).toEqual([
        `--https-address=0.0.0.0:${port}`,
        "--tls-cert-file=/homedock/peers/login.crt",
        "--tls-key-file=/homedock/peers/login.key",
        "--tls-min-version=TLS1.3",
      ]);
    }
    // The limiter (HAProxy): TLS in, and out to the sign-in only with its certificate of homedock's CA, for its name.
    const limiter = limiterConfig(doorModel, doorModel.frontDoor!.login.failedSignIns!);
    expect(limiter).toContain("\tbind :4182 ssl crt /homedock/peers/login.pem ssl-min-ver TLSv1.3\n");
    expect(limiter).toMatch(
      /\tserver sign_in frontdoor-signin:4181 .* ssl verify required ca-file \/homedock\/peers\/ca\.crt verifyhost frontdoor-signin sni str\(frontdoor-signin\) ssl-min-ver TLSv1\.3\n/,
    );
    const single = buildModel({ ...doorConfig(), swarm: undefined, users: doorConfig().users!.map((u) => ({ ...u, node: undefined })) });
    const plain = renderCaddyfile(single, hashes(single));
    expect(plain).toContain("\t\tforward_auth course-login:4180 {\n\t\t\turi /oauth2/auth?");
    expect(plain).not.toContain("tls_server_name");
    expect(limiterConfig(single, single.frontDoor!.login.failedSignIns!)).not.toContain("ssl");
  });
});
