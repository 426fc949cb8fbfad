// The Compose file, read back: the same containers as the Terraform stack, YAML any reader
// gets back, nothing left to Compose's interpolation.
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildModel } from "../../../src/model/model";
import { composeFile, renderCompose } from "../../../src/render/compose";
import { yamlScalar } from "../../../src/config/yaml-scalar";
import { SEEDER_SCRIPT } from "../../../src/container/container";
import { homeSplit } from "../../../src/container/common";
import { containersByName, courseConfig, type Json, startsOf, synthHost } from "../../helpers/synth";

const model = buildModel(courseConfig());
const text = renderCompose(model);
const compose: Json = parse(text, { merge: true });
const tf = synthHost(courseConfig());

/** The process limit the start of a root container of `out` gives it. */
function startLimit(c: Json, out: Json): number | undefined {
  if (c.start !== false) return undefined;
  const id = Object.entries<Json>(out.resource.docker_container).find(([, r]) => r === c)![0];
  return startsOf(out).find(([, d]) => d.triggers_replace.id === `\${docker_container.${id}.id}`)?.[1].triggers_replace.pids_limit;
}

/** What both renderers must agree on, read back from each output. */
function fromTerraform(c: Json, out: Json = tf) {
  const unTf = (s: string) => s.replace(/([$%])\1\{/g, "$1{");
  return {
    name: c.name,
    user: c.user,
    groupAdd: c.group_add ?? [],
    entrypoint: c.entrypoint.map((e: string) => unTf(/^\$\{local\.(homedock_seeder|homedock_home)\}$/.test(e) ? tf.locals[e.slice(8, -1)] : e)),
    command: c.command.map(unTf),
    workingDir: c.working_dir,
    env: Object.fromEntries(c.env.filter((e: string) => !e.includes("var.workspace_tokens")).map((e: string) => unTf(e).split(/=(.*)/s).slice(0, 2))),
    secrets: c.env.filter((e: string) => e.includes("var.workspace_tokens")).map((e: string) => `${e.split("=")[0]} of ${/"([^"]+)"/.exec(e)![1]}`),
    labels: Object.fromEntries(c.labels.map((l: Json) => [l.label, l.value])),
    mounts: [
      ...c.mounts.map((m: Json) => ({ type: m.type, source: m.source, target: m.target, readOnly: m.read_only })),
      // The legacy form, where Docker makes a missing source (a new home, a socket tree).
      ...(c.volumes ?? []).map((v: Json) => ({ type: "bind", source: v.host_path, target: v.container_path, readOnly: v.read_only ?? false })),
    ],
    memoryMiB: c.memory,
    memorySwapMiB: c.memory_swap,
    cpus: c.cpus === undefined ? undefined : Number(c.cpus),
    restart: c.restart,
    init: c.init,
    securityOpts: c.security_opts,
    capAdd: c.capabilities.add ?? [],
    capDrop: c.capabilities.drop,
    // RLIMIT_NPROC for a container that runs as the user; the cgroup's limit, given by
    // its start before it starts, for one that runs as root (the kernel never holds
    // root to RLIMIT_NPROC; see src/render/terraform.ts).
    pidsLimit: c.ulimit?.find((u: Json) => u.name === "nproc" && u.soft === u.hard)?.hard ?? startLimit(c, out),
    readOnlyRoot: c.read_only ?? false,
    tmpfs: c.tmpfs && Object.entries(c.tmpfs as Record<string, string>).map(([p, o]) => `${p}:${o}`),
  };
}

function fromCompose(s: Json, file: Json = compose) {
  // A home comes as a local volume bound to the home (see src/render/compose.ts).
  const source = (v: Json) => (v.type === "volume" ? file.volumes[v.source].driver_opts.device : v.source);
  const unC = (v: string) => v.replace(/\$\$/g, "$");
  const mib = (v: string) => Number(/^(\d+)m$/.exec(v)![1]);
  return {
    name: s.container_name,
    user: s.user,
    groupAdd: s.group_add ?? [],
    entrypoint: s.entrypoint.map(unC),
    command: s.command.map(unC),
    workingDir: s.working_dir,
    env: Object.fromEntries(Object.entries<string>(s.environment ?? {}).map(([k, v]) => [k, unC(v)])),
    // Terraform keys tokens by container name, Compose by service name.
    secrets: (s.env_file ?? []).map((f: string) => `JUPYTER_TOKEN of ${compose.name}-${/^homedock-secrets\/(.+)\.env$/.exec(f)![1]}`),
    labels: s.labels,
    mounts: s.volumes.map((v: Json) => ({ type: "bind", source: source(v), target: v.target, readOnly: v.read_only })),
    memoryMiB: s.mem_limit === undefined ? undefined : mib(s.mem_limit),
    memorySwapMiB: s.memswap_limit === undefined ? undefined : mib(s.memswap_limit),
    cpus: s.cpus,
    restart: s.restart,
    init: s.init,
    securityOpts: s.security_opt,
    capAdd: s.cap_add ?? [],
    capDrop: s.cap_drop,
    pidsLimit: s.pids_limit,
    readOnlyRoot: s.read_only ?? false,
    tmpfs: s.tmpfs,
  };
}

describe("the Compose file", () => {
  it("has one service per workspace, named by user and environment, and one home service per home image, named for its first environment", () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      "alice.python-course",
      "alice.r-intro",
      "bob.python-course",
      "carol.python-course",
      "carol.r-intro",
      "homes-python-course",
    ]);
    expect(compose.name).toBe("course");
    expect(compose.version).toBeUndefined();
  });

  it("says the same as the Terraform stack, container by container", () => {
    const containers = containersByName(tf);
    for (const [service, body] of Object.entries<Json>(compose.services)) {
      const key = service.replace(".", "/");
      expect(fromCompose(body), service).toEqual(fromTerraform(containers[key]));
    }
    expect(Object.keys(containers).length).toBe(Object.keys(compose.services).length);
  });

  it("binds mounts in the long syntax and lets Docker create a missing source only for a home's one-shot, binding each home alone", () => {
    for (const [name, s] of Object.entries<Json>(compose.services)) {
      for (const v of s.volumes.filter((v: Json) => v.type !== "volume")) {
        const made = name.startsWith("homes") && v.target.startsWith("/homedock/homes/");
        expect([name, v.type, v.bind]).toEqual([name, "bind", { create_host_path: made }]);
      }
    }
    expect(compose.services["homes-python-course"].volumes).toEqual(
      [
        ["/home/alice", "alice"],
        ["/home/bob", "bob"],
        ["/srv/home/carol", "carol"],
      ].map(([source, user]) => ({ type: "bind", source, target: `/homedock/homes/${user}`, read_only: false, bind: { create_host_path: true } })),
    );
  });

  it("limits the one-shot containers' memory, CPU and processes", () => {
    expect(compose.services["homes-python-course"]).toMatchObject({ mem_limit: "64m", memswap_limit: "64m", cpus: 0.5, pids_limit: 64, read_only: true });
  });

  it("limits processes per container, with the cgroup pids limit", () => {
    expect([compose.services["bob.python-course"].pids_limit, compose.services["bob.python-course"].ulimits]).toEqual([1024, undefined]);
  });

  it("mounts each home through a local volume bound to it, copying nothing from the image", () => {
    const carol = compose.services["carol.r-intro"].volumes[0];
    expect(carol).toEqual({
      type: "volume",
      source: expect.stringMatching(/^home-carol-[0-9a-f]{8}$/),
      target: "/srv/home/carol",
      read_only: false,
      volume: { nocopy: true },
    });
    // Labelled with host and user: homedock prune finds the volumes of users the config no longer has.
    expect(compose.volumes[carol.source]).toEqual({
      driver: "local",
      driver_opts: { type: "none", o: "bind", device: "/srv/home/carol" },
      labels: { "homedock.host": "course", "homedock.user": "carol" },
    });
    expect(
      Object.keys(compose.volumes)
        .map((v) => v.slice(0, -9))
        .sort(),
    ).toEqual(["home-alice", "home-bob", "home-carol"]);
  });

  it("names a home's volume for its path too: a moved home is a new volume, never the old one kept", () => {
    const config = courseConfig();
    config.users = config.users!.map((u) => (u.name === "carol" ? { ...u, home: "/srv/home2/carol" } : u));
    const moved = composeFile(buildModel(config)) as Json;
    expect(moved.services["carol.r-intro"].volumes[0].source).not.toBe(compose.services["carol.r-intro"].volumes[0].source);
    expect(moved.services["bob.python-course"].volumes[0].source).toBe(compose.services["bob.python-course"].volumes[0].source);
  });

  it("starts workspaces after the one-shot of their user's home image has made the home", () => {
    for (const service of ["alice.python-course", "alice.r-intro", "bob.python-course", "carol.python-course", "carol.r-intro"])
      expect(compose.services[service].depends_on, service).toEqual({ "homes-python-course": { condition: "service_completed_successfully" } });
    expect(compose.services["homes-python-course"].restart).toBe("no");
    expect(compose.services["homes-python-course"].network_mode).toBe("none");
    // Users of two home images: each user's workspaces wait for their own image's one-shot.
    const config = courseConfig();
    config.environments = [...config.environments].reverse();
    const file = composeFile(buildModel(config)) as Json;
    const waits = (service: string) => Object.keys(file.services[service].depends_on);
    expect(["alice.python-course", "bob.python-course", "carol.r-intro"].map(waits)).toEqual([["homes-r-intro"], ["homes-python-course"], ["homes-r-intro"]]);
  });

  it("splits the one-shot of an image with many users as the Terraform stack does, and each workspace waits for its user's", () => {
    const config = courseConfig();
    config.users = [...config.users!, ...Array.from({ length: 30 }, (_, i) => ({ name: `s${i}`, uid: 5000 + i, gid: 5000 + i }))];
    const file = composeFile(buildModel(config)) as Json;
    const synthesized = synthHost(config);
    const containers = containersByName(synthesized);
    const homes = Object.keys(file.services).filter((s) => s.startsWith("homes-"));
    expect(homes.length).toBeGreaterThan(1);
    expect(
      homes.every((s) => /^homes-python-course\.[0-7]$/.test(s)),
      homes.join(),
    ).toBe(true);
    for (const [service, body] of Object.entries<Json>(file.services)) {
      const home = service.startsWith("homes-");
      expect(fromCompose(body, file), service).toEqual(fromTerraform(containers[home ? service : service.replace(".", "/")], synthesized));
      if (home) continue;
      const user = service.split(".")[0];
      expect(Object.keys(body.depends_on), service).toEqual([`homes-python-course.${homeSplit(user)}`]);
    }
    expect(Object.keys(containers).length).toBe(Object.keys(file.services).length);
  });

  it("with createHomes: false, binds each home directly and says the same as that Terraform stack", () => {
    const config = courseConfig();
    const external = { ...config, host: { ...config.host, createHomes: false } };
    const file: Json = parse(renderCompose(buildModel(external)), { merge: true });
    const synthesized = synthHost(external);
    const containers = containersByName(synthesized);
    expect(Object.keys(file.services).sort()).toEqual(
      Object.keys(compose.services)
        .filter((s) => s.includes("."))
        .sort(),
    );
    expect(file.volumes).toBeUndefined();
    for (const [service, body] of Object.entries<Json>(file.services)) {
      expect(body.depends_on, service).toBeUndefined();
      expect(body.volumes[0], service).toEqual({
        type: "bind",
        source: containers[service.replace(".", "/")].mounts[0].source,
        target: body.volumes[0].target,
        read_only: false,
        bind: { create_host_path: false },
      });
      expect(fromCompose(body), service).toEqual(fromTerraform(containers[service.replace(".", "/")], synthesized));
    }
  });

  it("gives a group's shared mount to the same users as the Terraform stack, writable for the same", () => {
    const config = courseConfig();
    config.host = { ...config.host, sharedMounts: [{ source: "/srv/course", groups: ["stats", "tas"], writableFor: ["tas"] }] };
    config.users = config.users!.map((u) => (u.name === "carol" ? { ...u, groups: ["stats", "tas"] } : u));
    const file: Json = parse(renderCompose(buildModel(config)), { merge: true });
    const synthesized = synthHost(config);
    const containers = containersByName(synthesized);
    for (const [service, body] of Object.entries<Json>(file.services)) {
      expect(fromCompose(body), service).toEqual(fromTerraform(containers[service.replace(".", "/")], synthesized));
    }
    const course = (service: string) => file.services[service].volumes.find((v: Json) => v.target === "/srv/course")?.read_only;
    expect(["carol.r-intro", "alice.r-intro", "bob.python-course"].map(course)).toEqual([false, true, undefined]);
  });

  it("carries the seeder once, by anchor", () => {
    expect(text.split(SEEDER_SCRIPT.split("\n")[1]).length - 1).toBe(1);
    expect(compose.services["bob.python-course"].entrypoint[2]).toBe(SEEDER_SCRIPT.replace(/\$/g, "$$$$"));
  });

  it("has no empty keys", () => {
    const walk = (v: unknown, at: string) => {
      expect(v, at).not.toBeNull();
      expect(v, at).not.toBeUndefined();
      if (Array.isArray(v)) {
        expect(v.length, at).toBeGreaterThan(0);
        v.forEach((x, i) => walk(x, `${at}[${i}]`));
      } else if (typeof v === "object") {
        expect(Object.keys(v as object).length, at).toBeGreaterThan(0);
        for (const [k, x] of Object.entries(v as object)) walk(x, `${at}.${k}`);
      }
    };
    walk(compose, "");
  });

  it("parses back to exactly what it was built from, read as YAML 1.2 or 1.1", () => {
    const built = composeFile(model);
    expect(parse(text)).toEqual(built);
    expect(parse(text, { version: "1.1" })).toEqual(built);
  });

  it("writes any string so that YAML 1.2 and 1.1 readers get it back", () => {
    const noLoneSurrogate = (s: string) => !/[\ud800-\udfff]/u.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: "binary" }).filter(noLoneSurrogate),
          fc.constantFrom(
            "no",
            "No",
            "on",
            "y",
            "NULL",
            "~",
            "1001:1001",
            "0700",
            "1e3",
            "e0",
            "E_1",
            "_",
            ".5",
            "-",
            "- x",
            "a: b",
            "a #b",
            "@x",
            "`x",
            "!x",
            "&x",
            "*x",
            "|",
            ">",
            "%x",
            "'",
            '"',
            "",
            " ",
            "x ",
            "\t",
            "\u0085",
            "\u2028",
            "\ufeff",
          ),
        ),
        (value) => {
          const line = `key: ${yamlScalar(value)}\n`;
          expect(parse(line).key).toBe(value);
          expect(parse(line, { version: "1.1" }).key).toBe(value);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it("is byte-identical for the same model", () => {
    expect(renderCompose(buildModel(courseConfig()))).toBe(text);
  });
});
