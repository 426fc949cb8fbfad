// compose --preview without Docker: the containers of one config, as `docker inspect`
// reports what Compose made of them (inspected() below, the fields the preview reads),
// compared with the services of a changed config. test/e2e/compose-preview.test.ts holds
// inspected() to the real thing: on a host just brought up by Compose, the preview finds
// nothing, and after a change it names what Compose then recreates.
import { describe, expect, it } from "vitest";
import { previewCompose } from "../../../src/review/compose-preview";
import type { ConfigInput } from "../../../src/config/schema";
import { buildModel } from "../../../src/model/model";
import { bindVolume, composeServices, type ComposeService } from "../../../src/render/compose";
import { courseConfig, frontDoorConfig, type Json } from "../../helpers/synth";

const PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const services = (config: ConfigInput): ComposeService[] => [...composeServices(buildModel(config))];

/** A container Compose made for `spec` (project `project`), as docker inspect shows it; `image` its image's id. */
function inspected({ service, spec }: ComposeService, project: string, image = `sha256:${spec.image}`): Json {
  return {
    Id: `id-${spec.name}`,
    Name: `/${spec.name}`,
    Image: image,
    Config: {
      Image: spec.image,
      User: spec.user,
      Entrypoint: [...spec.entrypoint],
      Cmd: [...spec.command],
      WorkingDir: spec.workingDir,
      Env: [...Object.entries(spec.env).map(([k, v]) => `${k}=${v}`), ...spec.secrets.map((k) => `${k}=secret`), PATH],
      Labels: { ...spec.labels, "com.docker.compose.project": project, "com.docker.compose.service": service, "com.docker.compose.config-hash": "x" },
    },
    HostConfig: {
      GroupAdd: spec.groupAdd.length > 0 ? [...spec.groupAdd] : null,
      Memory: (spec.memoryMiB ?? 0) * 2 ** 20,
      MemorySwap: (spec.memoryMiB ?? 0) * 2 ** 20,
      NanoCpus: spec.nanoCpus ?? 0,
      PidsLimit: spec.pidsLimit ?? null,
      ReadonlyRootfs: spec.readOnlyRoot,
      // Docker keeps no order of its own: the proxy's /config came back before its /tmp.
      Tmpfs: Object.keys(spec.tmpfs).length > 0 ? Object.fromEntries(Object.entries(spec.tmpfs).reverse()) : null,
      RestartPolicy: { Name: spec.restart, MaximumRetryCount: 0 },
      Init: spec.init,
      SecurityOpt: [...spec.securityOpts],
      CapAdd: spec.capAdd.length > 0 ? [...spec.capAdd] : null,
      CapDrop: [...spec.capDrop],
      PortBindings: Object.fromEntries(spec.ports.map((p) => [`${p.internal}/tcp`, [{ HostIp: p.ip, HostPort: String(p.external) }]])),
    },
    Mounts: spec.mounts.map((m) =>
      m.composeVolume === undefined
        ? { Type: "bind", Source: m.source, Destination: m.target, RW: !m.readOnly }
        : {
            Type: "volume",
            Name: `${project}_${bindVolume(m.composeVolume, m.source)}`,
            Source: `/var/lib/docker/volumes/x/_data`,
            Destination: m.target,
            RW: !m.readOnly,
          },
    ),
    NetworkSettings: {
      Networks: spec.network === undefined ? { none: {} } : Object.fromEntries([spec.network, ...(spec.extraNetworks ?? [])].map((n) => [n, {}])),
    },
  };
}

/** The images the specs name, as docker inspect shows them (ids as inspected() gives them). */
const images = (all: readonly ComposeService[]) =>
  [...new Set(all.map((s) => s.spec.image))].map((name) => ({ Id: `sha256:${name}`, RepoTags: [name], Config: { Env: [PATH], Labels: null } }));

/** The preview of `config` changed by `change`, against a host Compose brought up from `config`. */
function preview(config: ConfigInput, change: (c: ConfigInput) => ConfigInput, host = config.host!.name!) {
  const before = services(config);
  const after = services(change(structuredClone(config)));
  return previewCompose(
    host,
    after,
    before.map((s) => inspected(s, host)),
    images(after),
  );
}

const changed = (p: ReturnType<typeof preview>) => p.containers.map((c) => [c.container, c.change, c.reasons]);

describe("compose --preview: what Compose recreates, and why", () => {
  it("the same config: nothing, for the workspaces, the homes and the front door", () => {
    for (const config of [courseConfig(), frontDoorConfig()]) {
      const p = preview(config, (c) => c);
      expect(p.containers).toEqual([]);
      expect(p.markdown).toContain("Nothing changes.");
    }
  });

  const upgrade = (from: string, to: string) => `image upgraded: \`${from}\` → \`${to}\``;

  it.each<[string, ConfigInput, (c: ConfigInput) => ConfigInput, [string, string, string[]][]]>([
    [
      "an environment's memory and CPUs (carol's own limits stay)",
      courseConfig(),
      (c) => ({ ...c, environments: [{ ...c.environments[0], memory: "1g", cpus: 0.5 }, c.environments[1]] }),
      [
        ["course-alice.python-course", "replaced", ["memory 2g → 1g", "cpus 1 → 0.5"]],
        ["course-bob.python-course", "replaced", ["memory 2g → 1g", "cpus 1 → 0.5"]],
      ],
    ],
    [
      "an environment's image, not the one that creates homes",
      courseConfig(),
      (c) => ({ ...c, environments: [c.environments[0], { ...c.environments[1], image: "homedock/r:2" }] }),
      [
        ["course-alice.r-intro", "replaced", [upgrade("homedock/r:1", "homedock/r:2")]],
        ["course-carol.r-intro", "replaced", [upgrade("homedock/r:1", "homedock/r:2")]],
      ],
    ],
    [
      "a user removed: the workspace, and the home container of the user's home image without the home",
      courseConfig(),
      (c) => ({ ...c, users: c.users!.filter((u) => u.name !== "bob") }),
      [
        ["course-bob.python-course", "removed", []],
        ["course-homes-python-course", "replaced", ["bob's home no longer made here"]],
      ],
    ],
    [
      "a user added: the workspace, and the home container of the user's home image, which runs again with the new home",
      courseConfig(),
      (c) => ({ ...c, users: [...c.users!, { name: "dave", uid: 1004, gid: 1004 }] }),
      [
        ["course-dave.python-course", "added", []],
        ["course-homes-python-course", "replaced", ["dave's home added"]],
      ],
    ],
    [
      "a user whose first environment has another image: a home container of that image",
      courseConfig(),
      (c) => ({ ...c, users: [...c.users!, { name: "dave", uid: 1004, gid: 1004, groups: ["stats"] }], environments: [c.environments[1], c.environments[0]] }),
      [
        // alice and carol start in r-intro now too: its image makes their homes.
        ["course-dave.python-course", "added", []],
        ["course-dave.r-intro", "added", []],
        ["course-homes-python-course", "replaced", ["alice's home no longer made here", "carol's home no longer made here"]],
        ["course-homes-r-intro", "added", []],
      ],
    ],
    [
      "a shared mount's source moved",
      courseConfig(),
      (c) => ({ ...c, host: { ...c.host, sharedMounts: [{ source: "/srv/data2", target: "/srv/data" }] } }),
      ["alice.python-course", "alice.r-intro", "bob.python-course", "carol.python-course", "carol.r-intro"].map((w) => [
        `course-${w}`,
        "replaced",
        ["shared mount changed"],
      ]),
    ],
    [
      "a home moved: its workspaces (HOME with it) and the container that creates it",
      courseConfig(),
      (c) => ({ ...c, users: c.users!.map((u) => (u.name === "carol" ? { ...u, home: "/srv/home2/carol" } : u)) }),
      [
        ["course-carol.python-course", "replaced", ["home moved", "environment variables changed"]],
        ["course-carol.r-intro", "replaced", ["home moved", "environment variables changed"]],
        ["course-homes-python-course", "replaced", ["home moved"]],
      ],
    ],
    [
      "a process limit and a command",
      courseConfig(),
      (c) => ({ ...c, environments: [c.environments[0], { ...c.environments[1], pidsLimit: 256, command: ["jupyter", "lab"] }] }),
      [
        ["course-alice.r-intro", "replaced", ["command changed", "pidsLimit 1024 → 256"]],
        ["course-carol.r-intro", "replaced", ["command changed", "pidsLimit 1024 → 256"]],
      ],
    ],
    [
      "the front door's address and port",
      frontDoorConfig(),
      (c) => ({ ...c, frontDoor: { ...c.frontDoor!, httpsPort: 443, listen: ["0.0.0.0"] } }),
      [["lab-frontdoor", "replaced", ["ports 127.0.0.1:8443 and 127.0.0.1:8080 → 0.0.0.0:443 and 0.0.0.0:8080"]]],
    ],
  ])("%s", (_, config, change, expected) => {
    expect(changed(preview(config, change))).toEqual(expected);
  });

  it("in the review's words: the servers that stop, each user, the homes", () => {
    const { markdown } = preview(courseConfig(), (c) => ({
      ...c,
      users: c.users!.filter((u) => u.name !== "bob"),
      environments: [{ ...c.environments[0], memory: "1g" }, c.environments[1]],
    }));
    expect(markdown).toContain("## homedock compose preview for host `course`");
    expect(markdown).toContain("**1 workspace replaced, 1 removed, 0 added, 0 updated in place, 3 unchanged.**");
    expect(markdown).toContain("| alice / python-course | restarted in a new container | memory 2g → 1g |");
    expect(markdown).toContain("| bob / python-course | removed | no longer in the config (files stay in the home) |");
    expect(markdown).toContain("- **alice**: restarts python-course (memory 2g → 1g); 1 unchanged");
    expect(markdown).toContain("- home of bob: no longer managed (the home stays)");
    expect(markdown).toContain(
      "- `course-homes-python-course` runs again for the homes of alice and carol (a home is made only where it is missing; an existing one is left as it is)",
    );
    expect(markdown).toContain("- `course-homes-python-course` recreated: bob's home no longer made here");
    expect(markdown).toContain("- `course-alice.python-course` recreated: memory 2g → 1g");
  });

  it("the image that creates homes: its containers run as root and are named, as in the review", () => {
    const { summary, containers } = preview(courseConfig(), (c) => ({
      ...c,
      environments: [{ ...c.environments[0], image: "homedock/python:2" }, c.environments[1]],
    }));
    expect(containers.map((c) => c.container)).toEqual([...["alice", "bob", "carol"].map((u) => `course-${u}.python-course`), "course-homes-python-course"]);
    expect(summary.rootImages).toEqual([
      { container: "course-homes-python-course", role: "home", users: ["alice", "bob", "carol"], from: "homedock/python:1", to: "homedock/python:2" },
    ]);
  });

  it("host.initImage set, then removed: the home containers that run another image as root are named", () => {
    const init = "registry.example.org/init:1";
    const set = preview(courseConfig(), (c) => ({ ...c, host: { ...c.host, initImage: init } }));
    expect(changed(set)).toEqual([
      ["course-homes", "added", []],
      ["course-homes-python-course", "removed", []],
    ]);
    expect(set.summary.rootImages).toEqual([
      { container: "course-homes", role: "home", users: ["alice", "bob", "carol"], from: "homedock/python:1", to: init },
    ]);
    expect(set.markdown).toContain(
      "- `course-homes` (creates the homes of alice, bob and carol when they are missing): `homedock/python:1` → `registry.example.org/init:1`",
    );
    // No user's home stops being made: no line says so.
    expect(set.markdown).not.toContain("no longer managed");
    const config = courseConfig();
    const removed = preview({ ...config, host: { ...config.host, initImage: init } }, (c) => ({ ...c, host: { ...c.host, initImage: undefined } }));
    expect(removed.summary.rootImages).toEqual([
      { container: "course-homes-python-course", role: "home", users: ["alice", "bob", "carol"], from: init, to: "homedock/python:1" },
    ]);
  });

  it("a host brought up by an earlier homedock, with a home container per user: they go, one per home image comes, no home is let go", () => {
    const config = courseConfig();
    const now = services(config);
    // What an earlier homedock made: a container `<user>.home` per user, labelled with its user.
    const earlier = now.flatMap((s): ComposeService[] =>
      s.spec.labels["homedock.role"] !== "home"
        ? [s]
        : config.users!.map((u) => ({
            service: `${u.name}.home`,
            spec: { ...s.spec, name: `course-${u.name}.home`, labels: { "homedock.host": "course", "homedock.role": "home", "homedock.user": u.name } },
          })),
    );
    const p = previewCompose(
      "course",
      now,
      earlier.map((s) => inspected(s, "course")),
      images(now),
    );
    expect(changed(p)).toEqual([
      ["course-alice.home", "removed", []],
      ["course-bob.home", "removed", []],
      ["course-carol.home", "removed", []],
      ["course-homes-python-course", "added", []],
    ]);
    expect(p.summary.rootImages).toEqual([]);
    expect(p.summary.resources.filter((r) => r.resource === "home")).toEqual([]);
    expect(p.markdown).toContain(
      "- `course-homes-python-course` added: runs once for the homes of alice, bob and carol (a home is made only where it is missing; an existing one is left as it is)",
    );
    expect(p.markdown).toContain("- `course-alice.home` removed (nothing in a home changes)");
  });

  it("the same image name, another image (rebuilt or pulled): recreated, as Compose compares the image's id", () => {
    const all = services(courseConfig());
    const rebuilt = images(all).map((i) => (i.RepoTags[0] === "homedock/r:1" ? { ...i, Id: "sha256:rebuilt" } : i));
    const p = previewCompose(
      "course",
      all,
      all.map((s) => inspected(s, "course")),
      rebuilt,
    );
    expect(changed(p)).toEqual(
      ["course-alice.r-intro", "course-carol.r-intro"].map((c) => [c, "replaced", ["image upgraded: `homedock/r:1` is another image now"]]),
    );
  });

  it("leaves out containers of the host that Compose did not make (another project, or Terraform's)", () => {
    const all = services(courseConfig());
    const host = all.map((s) => inspected(s, "course"));
    const terraforms = {
      ...host[1],
      Name: "/course-eve.python-course",
      Config: { ...host[1].Config, Labels: { "homedock.host": "course", "homedock.role": "workspace" } },
    };
    expect(previewCompose("course", all, [...host, terraforms], images(all)).containers).toEqual([]);
  });
});
