import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { DOCKER_PROVIDER_VERSION, Host, type HostProps, TOKENS_VARIABLE } from "../../../constructs/host";
import { ConfigError } from "../../../src/config/issues";
import { buildModel } from "../../../src/model/model";
import { SEEDER_SCRIPT } from "../../../src/container/container";
import { HOME_GROUP_MOST, HOME_GROUP_SPLIT, homeSplit } from "../../../src/container/common";
import type { ConfigInput } from "../../../src/config/schema";
import { literal, providerCpus, START_SCRIPT } from "../../../src/render/terraform";
import { containersByName, courseConfig, frontDoorConfig, type Json, labels, networkTriggersOf, startsOf, synthHost } from "../../helpers/synth";

const tf = synthHost(courseConfig());
const byName = containersByName(tf);
const ws = (key: string) => {
  const c = byName[key];
  if (!c) throw new Error(`no container ${key}`);
  return c;
};
const ref = (type: string, resource: Json) => `\${${type}.${Object.entries<Json>(tf.resource[type]).find(([, r]) => r === resource)![0]}`;
/** The terraform_data that starts a container of `tf`. */
const startOf = (container: Json, out: Json = tf) => {
  const id = Object.entries<Json>(out.resource.docker_container).find(([, r]) => r === container)![0];
  const starts = startsOf(out)
    .map(([, d]) => d)
    .filter((d) => d.triggers_replace.id === `\${docker_container.${id}.id}`);
  expect(starts, container.name).toHaveLength(1);
  return starts[0];
};

describe("workspaces", () => {
  it("exist for every granted (user, environment) pair and no other", () => {
    const workspaces = Object.keys(byName)
      .filter((k) => k.includes("/"))
      .sort();
    expect(workspaces).toEqual(["alice/python-course", "alice/r-intro", "bob/python-course", "carol/python-course", "carol/r-intro"]);
  });

  it("run as the host user, with supplementary groups where given", () => {
    expect(ws("alice/python-course").user).toBe("1001:1001");
    expect(ws("alice/python-course").group_add).toBeUndefined();
    expect(ws("carol/r-intro").user).toBe("1003:1003");
    expect(ws("carol/r-intro").group_add).toEqual(["100", "200"]);
  });

  it("bind-mount the home at the same path read-write, and shared data read-only, never as volumes", () => {
    expect(ws("carol/python-course").mounts).toEqual([
      { type: "bind", source: "/srv/home/carol", target: "/srv/home/carol", read_only: false },
      { type: "bind", source: "/srv/data", target: "/srv/data", read_only: true },
    ]);
    expect(ws("alice/r-intro").mounts[0]).toEqual({ type: "bind", source: "/home/alice", target: "/home/alice", read_only: false });
    // The legacy form, where Docker makes a missing source, only for a home's one-shot.
    for (const [key, c] of Object.entries(byName)) if (key.includes("/")) expect(c.volumes, key).toBeUndefined();
  });

  it("start the seeder, which wraps the environment's command", () => {
    const c = ws("alice/python-course");
    expect(c.entrypoint).toEqual(["/bin/sh", "-c", "${local.homedock_seeder}", "homedock-seed"]);
    expect(tf.locals.homedock_seeder).toBe(literal(SEEDER_SCRIPT));
    expect(c.command).toEqual(["jupyter", "notebook", "--port=8888"]);
  });

  it("give the seeder its directories, and the server HOME and per-environment Jupyter and IPython paths", () => {
    expect(ws("carol/r-intro").env).toEqual([
      "HOME=/srv/home/carol",
      "HOMEDOCK_ENV_DIR=/srv/home/carol/r-intro",
      "HOMEDOCK_SEED_DIR=/home/jovyan",
      "HOMEDOCK_SEED_EXCLUDES=.cache",
      "IPYTHONDIR=/srv/home/carol/r-intro/.ipython",
      "JUPYTER_CONFIG_DIR=/srv/home/carol/r-intro/.jupyter",
      "JUPYTER_DATA_DIR=/srv/home/carol/r-intro/.local/share/jupyter",
      'JUPYTER_TOKEN=${var.workspace_tokens["course-carol.r-intro"]}',
    ]);
  });

  it("take their Jupyter token from a sensitive variable, never in clear", () => {
    expect(tf.variable.workspace_tokens).toMatchObject({ type: "map(string)", sensitive: true });
    for (const [key, c] of Object.entries(byName)) {
      if (!key.includes("/"))
        expect(
          c.env.some((e: string) => e.startsWith("JUPYTER_TOKEN")),
          key,
        ).toBe(false);
      else
        expect(
          c.env.filter((e: string) => e.startsWith("JUPYTER_TOKEN=")),
          key,
        ).toEqual([`JUPYTER_TOKEN=\${var.workspace_tokens["course-${key.replace("/", ".")}"]}`]);
    }
  });

  it("start in the home, never in a directory Docker would create as root", () => {
    // The seeder makes the environment directory as the user and changes into it.
    expect(ws("bob/python-course").working_dir).toBe("/home/bob");
  });

  it("are labelled with user, environment, host and their mounts' hash, and named from them alone", () => {
    const c = ws("bob/python-course");
    expect(c.labels).toEqual([
      { label: "homedock.environment", value: "python-course" },
      { label: "homedock.host", value: "course" },
      { label: "homedock.mounts", value: expect.stringMatching(/^[0-9a-f]{16}$/) },
      { label: "homedock.role", value: "workspace" },
      { label: "homedock.user", value: "bob" },
    ]);
    expect(c.name).toBe("course-bob.python-course");
  });

  // Provider 4.5.0 plans a changed mount as an update in place and never applies it;
  // a label it must replace the container for carries the change instead.
  it("get a group's shared mount only in that group, read-write for writableFor and read-only for the others", () => {
    const config = courseConfig();
    config.host = {
      ...config.host,
      sharedMounts: [{ source: "/srv/data" }, { source: "/srv/course", target: "/course", groups: ["stats", "tas"], writableFor: ["tas"] }],
    };
    config.users = config.users!.map((u) => (u.name === "carol" ? { ...u, groups: ["stats", "tas"] } : u));
    const byUser = containersByName(synthHost(config));
    const course = (key: string) => byUser[key].mounts.filter((m: Json) => m.target !== "/srv/data").slice(1);
    // carol the TA writes it, alice the student reads it, in every workspace of theirs; bob is in neither group.
    for (const key of ["carol/python-course", "carol/r-intro"])
      expect(course(key), key).toEqual([{ type: "bind", source: "/srv/course", target: "/course", read_only: false }]);
    for (const key of ["alice/python-course", "alice/r-intro"])
      expect(course(key), key).toEqual([{ type: "bind", source: "/srv/course", target: "/course", read_only: true }]);
    expect(course("bob/python-course")).toEqual([]);
    expect(byUser["bob/python-course"].mounts.map((m: Json) => m.target)).toEqual(["/home/bob", "/srv/data"]);
  });

  describe("carry a label that changes exactly when a mount does", () => {
    const mountsLabel = (c: Json) => c.labels.find((l: Json) => l.label === "homedock.mounts").value;
    const labelsOf = (change: (c: ReturnType<typeof courseConfig>) => void) => {
      const config = courseConfig();
      change(config);
      return Object.fromEntries(Object.entries(containersByName(synthHost(config))).map(([k, c]) => [k, mountsLabel(c)]));
    };
    const base = labelsOf(() => {});
    const changed = (after: Record<string, string>) =>
      Object.keys(after)
        .filter((k) => after[k] !== base[k])
        .sort();
    const workspaces = Object.keys(base)
      .filter((k) => k.includes("/"))
      .sort();

    it.each([
      ["a shared mount's source", (c: ReturnType<typeof courseConfig>) => (c.host!.sharedMounts = [{ source: "/srv/data2", target: "/srv/data" }])],
      ["a shared mount's target", (c: ReturnType<typeof courseConfig>) => (c.host!.sharedMounts = [{ source: "/srv/data", target: "/data" }])],
      ["a shared mount made writable", (c: ReturnType<typeof courseConfig>) => (c.host!.sharedMounts = [{ source: "/srv/data", writable: true }])],
    ])("%s: every workspace's", (_, change) => {
      expect(changed(labelsOf(change))).toEqual(workspaces);
    });

    it.each([
      [
        "a shared mount given to a group",
        (c: ReturnType<typeof courseConfig>) => (c.host!.sharedMounts = [{ source: "/srv/data", groups: ["stats"] }]),
        ["bob/python-course"],
      ],
      [
        "a shared mount made writable for a group",
        (c: ReturnType<typeof courseConfig>) => (c.host!.sharedMounts = [{ source: "/srv/data", writableFor: ["stats"] }]),
        ["alice/python-course", "alice/r-intro", "carol/python-course", "carol/r-intro"],
      ],
    ])("%s: the workspaces of those who gain, lose or may write it", (_, change, which) => {
      expect(changed(labelsOf(change))).toEqual(which);
    });

    it("a user's home: that user's workspaces' and the one-shot that makes it", () => {
      const after = labelsOf((c) => (c.users = c.users!.map((u) => (u.name === "bob" ? { ...u, home: "/srv/other/bob" } : u))));
      expect(changed(after)).toEqual(["bob/python-course", "homes-python-course"]);
    });

    it("anything else, a new user included: none", () => {
      const after = labelsOf((c) => {
        c.users = [...c.users!, { name: "dave", uid: 1004, gid: 1004 }];
        c.environments = c.environments.map((e) => ({ ...e, image: `${e.image}-2`, memory: "1g" }));
        c.host = { ...c.host, createHomes: true, homeMode: "0750" };
      });
      // The one-shot of dave's home image binds his home too.
      expect(changed(after).filter((k) => !k.startsWith("dave/"))).toEqual(["homes-python-course"]);
    });
  });

  it("take limits from host defaults, then the environment, then the user; swap equals memory", () => {
    expect([ws("bob/python-course").memory, ws("bob/python-course").memory_swap, ws("bob/python-course").cpus]).toEqual([2048, 2048, "1.0"]);
    expect([ws("alice/r-intro").memory, ws("alice/r-intro").memory_swap, ws("alice/r-intro").cpus]).toEqual([3072, 3072, "1.5"]);
    expect([ws("carol/r-intro").memory, ws("carol/r-intro").memory_swap, ws("carol/r-intro").cpus]).toEqual([4096, 4096, "2.0"]);
  });

  it("are locked down: init, restart policy, no-new-privileges, every capability dropped, must run", () => {
    for (const [key, c] of Object.entries(byName)) {
      expect(c.init, key).toBe(true);
      expect(c.security_opts, key).toEqual(["no-new-privileges:true"]);
      expect(c.capabilities.drop, key).toEqual(["ALL"]);
      expect(c.privileged, key).toBeUndefined();
      if (!key.includes("/")) {
        expect(c.network_mode, key).toBe("none");
        continue;
      }
      expect(c.network_mode, key).toBeUndefined();
      expect(c.capabilities.add, key).toBeUndefined();
      expect(c.restart, key).toBe("unless-stopped");
      expect(c.must_run, key).toBe(true);
    }
  });

  it("run their environment's image and join the host network", () => {
    const images = tf.resource.docker_image;
    const python = Object.values<Json>(images).find((i) => i.name === "homedock/python:1")!;
    expect(python.keep_locally).toBe(true);
    expect(ws("bob/python-course").image).toBe(`${ref("docker_image", python)}.image_id}`);
    const [network] = Object.values<Json>(tf.resource.docker_network);
    expect(network.name).toBe("course");
    expect(ws("bob/python-course").networks_advanced).toEqual([{ name: `${ref("docker_network", network)}.name}` }]);
  });

  it("are replaced with their network, and whenever it is made again: their triggers are the network and a terraform_data holding its id", () => {
    // Terraform replaces for a trigger that is updated or replaced, never for one it
    // creates. The network: replaced for a new setting (on a host from before the holder
    // too, which is then created). The holder: a network removed by hand is created again,
    // with a new id; a trigger naming the network alone would leave every workspace cut off.
    const [[networkId]] = Object.entries<Json>(tf.resource.docker_network);
    const [network, holder] = networkTriggersOf(tf, "course");
    expect(network).toBe(`docker_network.${networkId}`);
    expect(tf.resource.terraform_data[holder.split(".")[1]]).toEqual({ input: `\${docker_network.${networkId}.id}` });
    const workspaces = Object.entries(containersByName(tf)).filter(([key]) => key.includes("/"));
    expect(workspaces.length).toBeGreaterThan(0);
    for (const [key, c] of workspaces) expect(c.lifecycle, key).toEqual({ replace_triggered_by: [network, holder] });
    // The one-shots are on no network.
    for (const [key, c] of Object.entries(containersByName(tf)).filter(([k]) => k.startsWith("homes")))
      expect(c.lifecycle?.replace_triggered_by, key).toBeUndefined();
  });
});

describe("homes", () => {
  it("are made by one one-shot root container per home image, CHOWN only, binding each of its homes alone, that workspaces wait for", () => {
    // Every user's first environment is python-course here: one one-shot for all three.
    expect(Object.keys(byName).filter((k) => !k.includes("/"))).toEqual(["homes-python-course"]);
    const home = ws("homes-python-course");
    expect(home.name).toBe("course-homes-python-course");
    expect(home.user).toBe("0:0");
    // Each home alone, never their parent; Docker makes one if missing (the legacy form).
    expect(home.mounts).toEqual([]);
    expect(home.volumes).toEqual([
      { host_path: "/home/alice", container_path: "/homedock/homes/alice", read_only: false },
      { host_path: "/home/bob", container_path: "/homedock/homes/bob", read_only: false },
      { host_path: "/srv/home/carol", container_path: "/homedock/homes/carol", read_only: false },
    ]);
    expect(home.command).toEqual([
      "0700",
      ...["alice", "/homedock/homes/alice", "/home/alice", "1001:1001", "-", "0"],
      ...["bob", "/homedock/homes/bob", "/home/bob", "1002:1002", "-", "0"],
      ...["carol", "/homedock/homes/carol", "/srv/home/carol", "1003:1003", "-", "0"],
    ]);
    expect(labels(home)["homedock.users"]).toBe("alice,bob,carol");
    expect(home.capabilities).toEqual({ add: ["CAP_CHOWN"], drop: ["ALL"] });
    expect([home.memory, home.memory_swap, home.cpus, home.read_only, home.network_mode]).toEqual([64, 64, "0.5", true, "none"]);
    expect(home.restart).toBe("no");
    // Created stopped (the provider has no pids_limit, and the kernel never holds root to
    // RLIMIT_NPROC): its start gives it the cgroup's limit, runs it and waits for it.
    expect([home.start, home.must_run, home.attach, home.ulimit]).toEqual([false, false, undefined, undefined]);
    const start = startOf(home);
    expect(start.triggers_replace).toEqual({ container: "course-homes-python-course", id: `${ref("docker_container", home)}.id}`, pids_limit: 64 });
    expect(start.provisioner).toEqual([
      {
        "local-exec": {
          command: "${local.homedock_start}",
          environment: { HOMEDOCK_CONTAINER: `${ref("docker_container", home)}.id}`, HOMEDOCK_PIDS_LIMIT: "64", HOMEDOCK_WAIT: "1" },
        },
      },
    ]);
    expect(tf.locals.homedock_start).toBe(literal(START_SCRIPT));
    // Every workspace waits for its home to be made: for the one-shot's run, not its creation.
    for (const key of Object.keys(byName).filter((k) => k.includes("/"))) expect(ws(key).depends_on, key).toEqual([ref("terraform_data", start).slice(2)]);
  });

  describe(`of more than ${HOME_GROUP_MOST} users of one image`, () => {
    /** The course with `n` more users, each running python-course first. */
    const crowded = (n: number, first = 0): ConfigInput => {
      const config = courseConfig();
      config.users = [...config.users!, ...Array.from({ length: n }, (_, i) => ({ name: `s${first + i}`, uid: 5000 + first + i, gid: 5000 + first + i }))];
      return config;
    };
    const homesOf = (out: Json) => Object.entries(containersByName(out)).filter(([k]) => !k.includes("/"));

    it(`are split in ${HOME_GROUP_SPLIT} one-shots by the user's name: each home made by one, each workspace waiting for its user's`, () => {
      const out = synthHost(crowded(40));
      const homes = homesOf(out);
      expect(homes.length).toBeGreaterThan(1);
      expect(homes.length).toBeLessThanOrEqual(HOME_GROUP_SPLIT);
      const made = new Map<string, string>();
      for (const [key, home] of homes) {
        const users = labels(home)["homedock.users"].split(",");
        for (const user of users) {
          expect(made.has(user), user).toBe(false);
          made.set(user, key);
          expect(key).toBe(`homes-python-course.${homeSplit(user)}`);
        }
        expect(home.name).toBe(`course-${key}`);
        expect(home.volumes.map((v: Json) => v.container_path)).toEqual(users.map((u) => `/homedock/homes/${u}`));
        expect(home.command.filter((_: string, i: number) => i % 6 === 1)).toEqual(users);
        expect(startOf(home, out).triggers_replace.container).toBe(`course-${key}`);
      }
      expect([...made.keys()].sort()).toEqual(["alice", "bob", "carol", ...Array.from({ length: 40 }, (_, i) => `s${i}`)].sort());
      const byUser = containersByName(out);
      for (const [key, container] of Object.entries(byUser).filter(([k]) => k.includes("/"))) {
        const home = byUser[made.get(key.split("/")[0])!];
        const start = startOf(home, out);
        const id = Object.entries<Json>(out.resource.terraform_data).find(([, r]) => r === start)![0];
        expect(container.depends_on, key).toEqual([`terraform_data.${id}`]);
      }
    });

    it(`are one one-shot up to ${HOME_GROUP_MOST} users, named as for a few`, () => {
      expect(homesOf(synthHost(crowded(HOME_GROUP_MOST - 3))).map(([k]) => k)).toEqual(["homes-python-course"]);
      expect(homesOf(synthHost(crowded(HOME_GROUP_MOST - 2))).map(([k]) => k)).not.toContain("homes-python-course");
    });

    it("with host.initImage, run that image from one docker_image of its own, however many one-shots", () => {
      const config = crowded(40);
      const out = synthHost({ ...config, host: { ...config.host, initImage: "admin/init@sha256:" + "a".repeat(64) } });
      const homes = homesOf(out);
      expect(homes.length).toBeGreaterThan(1);
      for (const [key] of homes) expect(key).toMatch(/^homes\.[0-7]$/);
      const images = Object.entries<Json>(out.resource.docker_image).filter(([, i]) => i.name.startsWith("admin/init@"));
      expect(images.length).toBe(1);
      for (const [key, home] of homes) expect(home.image, key).toBe(`\${docker_image.${images[0][0]}.image_id}`);
    });

    it("change only the added user's one-shot when a user is added, and only the removed user's when one is removed", () => {
      const before = synthHost(crowded(40));
      for (const [what, after, who] of [
        ["added", synthHost(crowded(41)), "s40"],
        ["removed", synthHost({ ...crowded(40), users: crowded(40).users!.filter((u) => u.name !== "s7") }), "s7"],
      ] as const) {
        const [was, now] = [before, after].map((out) => new Map(homesOf(out).map(([k, c]) => [k, JSON.stringify(c)])));
        const changed = [...new Set([...was.keys(), ...now.keys()])].filter((k) => was.get(k) !== now.get(k));
        expect({ what, changed }).toEqual({ what, changed: [`homes-python-course.${homeSplit(who)}`] });
      }
    });
  });

  it("are not replaced when the image they borrow is upgraded", () => {
    expect(ws("homes-python-course").lifecycle).toEqual({ ignore_changes: ["image"] });
    expect(ws("carol/r-intro").lifecycle.ignore_changes).toBeUndefined();
  });

  it("run each user's first environment's image, and that image sees only the homes of the users who run it first", () => {
    const config = courseConfig();
    // r-intro first: alice and carol (in group stats) start there, bob in python-course.
    config.environments = [...config.environments].reverse();
    const out = synthHost(config);
    const containers = containersByName(out);
    const image = (name: string) => `\${docker_image.${Object.entries<Json>(out.resource.docker_image).find(([, i]) => i.name === name)![0]}.image_id}`;
    const homes = Object.keys(containers).filter((k) => !k.includes("/"));
    expect(homes.sort()).toEqual(["homes-python-course", "homes-r-intro"]);
    const [r, py] = [containers["homes-r-intro"], containers["homes-python-course"]];
    expect([r.image, py.image]).toEqual([image("homedock/r:1"), image("homedock/python:1")]);
    expect(r.volumes.map((v: Json) => v.host_path)).toEqual(["/home/alice", "/srv/home/carol"]);
    expect(py.volumes.map((v: Json) => v.host_path)).toEqual(["/home/bob"]);
    expect([labels(r)["homedock.users"], labels(py)["homedock.users"]]).toEqual(["alice,carol", "bob"]);
    const startId = (c: Json) => `terraform_data.${startsOf(out).find(([, d]) => d.triggers_replace.container === c.name)![0]}`;
    for (const key of ["alice/python-course", "alice/r-intro", "carol/python-course", "carol/r-intro"])
      expect(containers[key].depends_on, key).toEqual([startId(r)]);
    expect(containers["bob/python-course"].depends_on).toEqual([startId(py)]);
  });

  it("are named for the first environment (in config order) with the image, whoever runs it", () => {
    const config = courseConfig();
    // lab: python-course's image under another name, listed first, for group stats alone:
    // bob never runs lab, yet his home image is the same, so one one-shot, named for lab.
    config.environments = [{ ...config.environments[0], name: "lab", groups: ["stats"] }, ...config.environments];
    const out = containersByName(synthHost(config));
    expect(Object.keys(out).filter((k) => !k.includes("/"))).toEqual(["homes-lab"]);
    expect(labels(out["homes-lab"])["homedock.users"]).toBe("alice,bob,carol");
  });

  it("with host.initImage: one one-shot for every user, running that image from a docker_image of its own", () => {
    const config = courseConfig();
    const out = synthHost({ ...config, host: { ...config.host, initImage: "registry.example.org/init@sha256:" + "a".repeat(64) } });
    const containers = containersByName(out);
    expect(Object.keys(containers).filter((k) => !k.includes("/"))).toEqual(["homes"]);
    const homes = containers.homes;
    expect(homes.name).toBe("course-homes");
    const [id, init] = Object.entries<Json>(out.resource.docker_image).find(([, i]) => i.name.startsWith("registry.example.org/init@"))!;
    expect([homes.image, init.keep_locally]).toEqual([`\${docker_image.${id}.image_id}`, true]);
    expect(id).toMatch(/^host_homes_image_/);
    expect(labels(homes)["homedock.users"]).toBe("alice,bob,carol");
  });

  it("are left to the host with createHomes: false: no home containers, the same workspaces, mounted alike", () => {
    const config = courseConfig();
    const external = synthHost({ ...config, host: { ...config.host, createHomes: false } });
    const containers = containersByName(external);
    const workspaces = Object.keys(byName).filter((k) => k.includes("/"));
    expect(Object.keys(containers).sort()).toEqual(workspaces.sort());
    for (const key of workspaces) {
      const { depends_on, ...rest } = byName[key];
      expect(depends_on).toHaveLength(1);
      expect(containers[key]).toEqual(rest);
    }
  });
});

describe("root containers", () => {
  // Every kind there is: homes, the front door's setup, proxy, Docker filter (idle
  // workspaces), login and sign-in, and a workspace of a user allowed to be root.
  const config = frontDoorConfig();
  const rooted: HostProps = {
    ...config,
    host: { ...config.host, defaults: { idleTimeout: 900 } },
    users: [...config.users!, { name: "root", uid: 0, gid: 0, allowRoot: true }],
  };
  const out = synthHost(rooted);
  const containers = Object.entries<Json>(out.resource.docker_container);
  const starts = startsOf(out);
  const limit = (c: Json) => (c.user.startsWith("0:") ? startOf(c, out).triggers_replace.pids_limit : c.ulimit[0].hard);

  it("are each created stopped and given the cgroup's process limit by a start of its own, which starts it and waits for a one-shot", () => {
    const root = containers.filter(([, c]) => c.user.startsWith("0:"));
    expect(root.map(([, c]) => c.name).sort()).toEqual([
      "lab-docker-filter",
      "lab-frontdoor",
      "lab-frontdoor.setup",
      "lab-homes-py",
      "lab-login",
      "lab-root.py",
      "lab-root.shell",
      "lab-signin",
      "lab-signin-limit",
    ]);
    for (const [id, c] of root) {
      expect([c.name, c.start, c.must_run, c.attach, c.ulimit]).toEqual([c.name, false, false, undefined, undefined]);
      const start = startOf(c, out);
      const oneShot = c.restart === "no";
      expect([c.name, start.triggers_replace]).toEqual([c.name, { container: c.name, id: `\${docker_container.${id}.id}`, pids_limit: expect.any(Number) }]);
      expect([c.name, start.provisioner[0]["local-exec"].environment]).toEqual([
        c.name,
        {
          HOMEDOCK_CONTAINER: `\${docker_container.${id}.id}`,
          HOMEDOCK_PIDS_LIMIT: String(start.triggers_replace.pids_limit),
          HOMEDOCK_WAIT: oneShot ? "1" : "0",
        },
      ]);
    }
    expect(starts).toHaveLength(root.length);
    expect(Object.fromEntries(root.map(([, c]) => [c.name, limit(c)]))).toEqual({
      "lab-homes-py": 64,
      "lab-frontdoor.setup": 64,
      "lab-docker-filter": 64,
      "lab-frontdoor": 512,
      "lab-login": 128,
      "lab-signin": 128,
      "lab-signin-limit": 64,
      // a root workspace: its environment's pidsLimit (the host's default)
      "lab-root.py": 1024,
      "lab-root.shell": 1024,
    });
  });

  it("are never a dependency themselves: what needs one started or run depends on its start", () => {
    const rootAddresses = new Set(containers.filter(([, c]) => c.user.startsWith("0:")).map(([id]) => `docker_container.${id}`));
    const needs = containers.flatMap(([, c]) => (c.depends_on ?? []).map((d: string) => [c.name, d]));
    expect(needs.length).toBeGreaterThan(0);
    for (const [name, dependency] of needs)
      expect([name, rootAddresses.has(dependency), dependency.startsWith("terraform_data.")]).toEqual([name, false, true]);
  });

  it("leave the others as they were: started by the provider, RLIMIT_NPROC as their process limit, no start", () => {
    const user = containers.filter(([, c]) => !c.user.startsWith("0:"));
    expect(user.length).toBeGreaterThan(0);
    for (const [id, c] of user) {
      expect([c.name, c.start, c.ulimit]).toEqual([c.name, undefined, [{ name: "nproc", soft: 1024, hard: 1024 }]]);
      expect(starts.filter(([, d]) => d.triggers_replace.id === `\${docker_container.${id}.id}`)).toEqual([]);
    }
  });
});

describe("the stack", () => {
  it("pins the Docker provider", () => {
    expect(tf.terraform.required_providers.docker).toEqual({ source: "registry.terraform.io/kreuzwerker/docker", version: DOCKER_PROVIDER_VERSION });
    expect(DOCKER_PROVIDER_VERSION).toBe("4.5.0");
  });

  it("keeps every other resource byte-identical when a user is added, but the one-shot of the user's home image, which gains the home", () => {
    const before = synthHost(courseConfig());
    const config = courseConfig();
    config.users = [{ name: "aaron", uid: 1000, gid: 1000, groups: ["stats"] }, ...config.users!];
    const after = synthHost(config);
    let added = 0;
    const changed: string[] = [];
    for (const [type, resources] of Object.entries<Json>(after.resource)) {
      for (const [id, body] of Object.entries<Json>(resources)) {
        if (before.resource[type]?.[id] === undefined) {
          added++;
          expect(JSON.stringify(body), `${type}.${id}`).toContain("aaron");
        } else if (JSON.stringify(body) !== JSON.stringify(before.resource[type][id])) {
          changed.push(body.name);
        }
      }
    }
    // aaron's two workspaces; nothing removed.
    expect(added).toBe(2);
    expect(changed).toEqual(["course-homes-python-course"]);
    const [was, now] = [containersByName(before), containersByName(after)].map((c) => c["homes-python-course"]);
    expect(now.volumes).toEqual([{ host_path: "/home/aaron", container_path: "/homedock/homes/aaron", read_only: false }, ...was.volumes]);
    expect(now.command).toEqual([was.command[0], "aaron", "/homedock/homes/aaron", "/home/aaron", "1000:1000", "-", "0", ...was.command.slice(1)]);
    for (const [type, resources] of Object.entries<Json>(before.resource)) {
      for (const id of Object.keys(resources)) expect(after.resource[type][id], `${type}.${id}`).toBeDefined();
    }
  });

  it("keeps addresses when environments are reordered, but for the one-shots that make homes: users' first environments moved", () => {
    const config = courseConfig();
    config.environments = [...config.environments].reverse();
    const after = synthHost(config);
    const workspaces = (out: Json) => Object.keys(out.resource.docker_container).filter((id) => !/_homes(-[^_]+)?_container_/.test(id));
    expect(workspaces(after).sort()).toEqual(workspaces(tf).sort());
    expect(Object.keys(after.resource.docker_image).sort()).toEqual(Object.keys(tf.resource.docker_image).sort());
    // alice and carol now start in r-intro: its image makes their homes (see "homes").
    const homes = (out: Json) =>
      Object.values<Json>(out.resource.docker_container)
        .filter((c) => labels(c)["homedock.role"] === "home")
        .map((c) => c.name);
    expect([homes(tf), homes(after).sort()]).toEqual([["course-homes-python-course"], ["course-homes-python-course", "course-homes-r-intro"]]);
  });
});

// Each of these made a plan right after a real deploy show a change (found by the
// deploy e2e suite); CI has no provider, so they are held here.
describe("attributes spelled as the provider reads them back", () => {
  it("adds capabilities with their CAP_ prefix (CHOWN replaced the home containers on every plan)", () => {
    for (const [key, c] of Object.entries(byName)) {
      for (const cap of c.capabilities.add ?? []) expect(cap, key).toMatch(/^CAP_[A-Z_]+$/);
    }
  });

  it("gives no container an empty command argument, which the provider refuses (values for command may not be empty)", () => {
    const config = frontDoorConfig();
    for (const props of [courseConfig(), config, { ...config, host: { ...config.host, createHomes: false } }]) {
      for (const c of Object.values<Json>(synthHost(props).resource.docker_container))
        expect([c.name, (c.command ?? []).includes("")]).toEqual([c.name, false]);
    }
  });

  it("holds swap to memory and spells CPUs as Docker's nano-CPUs come back", () => {
    for (const [key, c] of Object.entries(byName)) {
      expect(c.memory_swap, key).toBe(c.memory);
      if (c.cpus !== undefined) expect(providerCpus(Math.round(Number(c.cpus) * 1e9)), key).toBe(c.cpus);
    }
  });
});

describe("Terraform strings", () => {
  it("never let a value be read as a Terraform template", () => {
    const config = courseConfig();
    config.environments[0] = { ...config.environments[0], env: { GREETING: "${USER} %{x}" }, command: ["sh", "-c", "echo ${HOME}"] };
    const c = containersByName(synthHost(config))["bob/python-course"];
    expect(c.env).toContain("GREETING=$${USER} %%{x}");
    expect(c.command).toEqual(["sh", "-c", "echo $${HOME}"]);
  });

  it.each([
    [1e9, "1.0"],
    [2e9, "2.0"],
    [1.5e9, "1.5"],
    [0.25e9, "0.25"],
    [1, "0.000000001"],
    [10.125e9, "10.125"],
  ])("spell %d nano-CPUs as the provider reads them back: %s", (nano, text) => {
    expect(providerCpus(nano)).toBe(text);
  });
});

describe("Host props and Host.fromModel", () => {
  it("validates props like a file: a model's shape is no way around it", () => {
    const model = buildModel(courseConfig());
    const stack = new TerraformStack(Testing.app(), "test");
    expect(() => new Host(stack, "host", model as unknown as HostProps)).toThrow(ConfigError);
    expect(() => new Host(stack, "host2", { ...courseConfig(), workspaces: [] } as HostProps)).toThrow(/^config: workspaces: got \[\]; unknown key/);
  });

  it("takes a ready model through fromModel, without validating it again", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const model = buildModel(courseConfig());
    const host = Host.fromModel(stack, "host", model);
    expect(host.model).toBe(model);
    expect(JSON.parse(Testing.synth(stack))).toEqual(tf);
  });

  it("takes a ready model as props too, { model }, and refuses a config beside it", () => {
    const model = buildModel(courseConfig());
    const stack = new TerraformStack(Testing.app(), "test");
    const host = new Host(stack, "host", { model });
    expect(host.model).toBe(model);
    expect(JSON.parse(Testing.synth(stack))).toEqual(tf);
    const other = new TerraformStack(Testing.app(), "other");
    expect(() => new Host(other, "host", { model, ...courseConfig() })).toThrow(
      /^Host other\/host: props: got a model and host, environments, users; expected a model or a config, not both$/,
    );
  });

  it("makes config warnings cdktf warning annotations on the Host", () => {
    const config = courseConfig();
    config.environments[1] = { ...config.environments[1], groups: ["nobody-has-this"] };
    const stack = new TerraformStack(Testing.app(), "warned");
    new Host(stack, "host", config);
    const manifest = JSON.parse(readFileSync(path.join(Testing.fullSynth(stack), "manifest.json"), "utf8"));
    const warnings = manifest.stacks.warned.annotations.filter((a: Json) => a.level === "@cdktf/warn");
    expect(warnings.map((a: Json) => [a.constructPath, a.message])).toEqual([["warned/host", 'environments[1].groups: no user is in group "nobody-has-this"']]);
    const clean = new TerraformStack(Testing.app(), "clean");
    new Host(clean, "host", courseConfig());
    expect(JSON.parse(readFileSync(path.join(Testing.fullSynth(clean), "manifest.json"), "utf8")).stacks.clean.annotations).toEqual([]);
  });
});

describe("the Docker provider", () => {
  /** Every Docker resource's provider meta-argument, by resource type (terraform_data is Terraform's own). */
  const providers = (out: Json) =>
    Object.fromEntries(
      Object.entries<Json>(out.resource)
        .filter(([type]) => type !== "terraform_data")
        .map(([type, resources]) => [type, [...new Set(Object.values<Json>(resources).map((r) => r.provider))]]),
    );
  /** The environment each start's docker CLI runs with, besides what says which container. */
  const endpoints = (out: Json) =>
    startsOf(out).map(([, d]) => {
      const { HOMEDOCK_CONTAINER: _, HOMEDOCK_PIDS_LIMIT: __, HOMEDOCK_WAIT: ___, ...rest } = d.provisioner[0]["local-exec"].environment;
      return [d.triggers_replace.container, rest];
    });

  it("is the stack's own when none is given: one, without an alias, used by every resource", () => {
    expect(tf.provider.docker).toEqual([{}]);
    expect(providers(tf)).toEqual({ docker_container: ["docker"], docker_image: ["docker"], docker_network: ["docker"] });
    // The root containers' starts reach the engine the provider does: the environment's.
    expect(endpoints(tf)).toEqual([["course-homes-python-course", {}]]);
  });

  it("is the one given (remote engine, registry auth, alias) for every resource, and no other is made", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const lab = new DockerProvider(stack, "lab", {
      alias: "lab",
      host: "ssh://admin@lab.example.org",
      registryAuth: [{ address: "registry.example.org", username: "ci", password: "secret" }],
    });
    const config = courseConfig();
    new Host(stack, "host", { ...config, host: { ...config.host, initImage: "busybox:1" }, provider: lab });
    const out = JSON.parse(Testing.synth(stack));
    expect(out.provider.docker).toEqual([
      { alias: "lab", host: "ssh://admin@lab.example.org", registry_auth: [{ address: "registry.example.org", username: "ci", password: "secret" }] },
    ]);
    expect(providers(out)).toEqual({ docker_container: ["docker.lab"], docker_image: ["docker.lab"], docker_network: ["docker.lab"] });
    expect(endpoints(out)).toEqual([["course-homes", { DOCKER_HOST: "ssh://admin@lab.example.org" }]]);
    expect(Object.values<Json>(out.resource.docker_image).map((i) => i.name)).toContain("busybox:1");
    expect(out.terraform.required_providers.docker).toEqual({ source: "registry.terraform.io/kreuzwerker/docker", version: DOCKER_PROVIDER_VERSION });
  });

  it("reuses a provider without an alias already in the stack rather than making a second", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    new DockerProvider(stack, "mine", { host: "tcp://docker.example.org:2376" });
    new Host(stack, "host", courseConfig());
    const out = JSON.parse(Testing.synth(stack));
    expect(out.provider.docker).toEqual([{ host: "tcp://docker.example.org:2376" }]);
    expect(providers(out).docker_container).toEqual(["docker"]);
  });

  it("gives the root containers' starts its context and TLS certificates too", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const provider = new DockerProvider(stack, "docker", { context: "lab", certPath: "/etc/docker-certs" });
    new Host(stack, "host", { ...courseConfig(), provider });
    expect(endpoints(JSON.parse(Testing.synth(stack)))[0]).toEqual([
      "course-homes-python-course",
      { DOCKER_CONTEXT: "lab", DOCKER_CERT_PATH: "/etc/docker-certs" },
    ]);
  });

  it("has nothing the docker CLI of the root containers' starts cannot take", () => {
    for (const [setting, value] of [
      ["caMaterial", "-----BEGIN CERTIFICATE-----"],
      ["certMaterial", "x"],
      ["keyMaterial", "x"],
      ["sshOpts", ["-p", "2222"]],
    ] as const) {
      const stack = new TerraformStack(Testing.app(), "test");
      const provider = new DockerProvider(stack, "docker", { host: "tcp://lab:2376", [setting]: value });
      expect(() => new Host(stack, "host", { ...courseConfig(), provider }), setting).toThrow(
        `test/host/homes-python-course/container: provider: ${setting} is set, which the docker CLI that starts the root containers (with their process limit) cannot take; expected certPath, or ssh options in ~/.ssh/config`,
      );
    }
  });

  it("must be in the Host's stack", () => {
    const app = Testing.app();
    const elsewhere = new DockerProvider(new TerraformStack(app, "other"), "docker", {});
    expect(() => new Host(new TerraformStack(app, "test"), "host", { ...courseConfig(), provider: elsewhere })).toThrow(
      "Host test/host: provider: got a DockerProvider of stack other; expected one in stack test",
    );
  });
});

describe("two hosts in one stack", () => {
  const named = (name: string, extra: Partial<HostProps> = {}): HostProps => {
    const config = courseConfig();
    return { ...config, host: { ...config.host, name }, ...extra };
  };
  const workspaceNames = (out: Json) =>
    Object.values<Json>(out.resource.docker_container)
      .filter((c) => labels(c)["homedock.role"] === "workspace")
      .map((c) => c.name)
      .sort();

  it("share the stack's provider, seeder, home script and token variable, each workspace with its own token", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    new Host(stack, "course", named("course"));
    new Host(stack, "lab", named("lab"));
    const out = JSON.parse(Testing.synth(stack));
    expect(out.provider.docker).toEqual([{}]);
    expect(Object.keys(out.locals).sort()).toEqual(["homedock_home", "homedock_seeder", "homedock_start"]);
    expect(Object.keys(out.variable)).toEqual([TOKENS_VARIABLE]);
    const names = workspaceNames(out);
    expect(names).toHaveLength(10);
    expect(names.filter((n) => n.startsWith("lab-"))).toHaveLength(5);
    expect(
      Object.values<Json>(out.resource.docker_network)
        .map((n) => n.name)
        .sort(),
    ).toEqual(["course", "lab"]);
    const tokenKeys = Object.values<Json>(out.resource.docker_container).flatMap((c) =>
      c.env.filter((e: string) => e.startsWith("JUPYTER_TOKEN=")).map((e: string) => /\["(.+)"\]/.exec(e)![1]),
    );
    expect(tokenKeys.sort()).toEqual(names);
  });

  it("each with a provider of its own (two engines)", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const a = new DockerProvider(stack, "a", { alias: "a", host: "ssh://admin@a" });
    const b = new DockerProvider(stack, "b", { alias: "b", host: "ssh://admin@b" });
    new Host(stack, "course", named("course", { provider: a }));
    new Host(stack, "lab", named("lab", { provider: b }));
    const out = JSON.parse(Testing.synth(stack));
    expect(out.provider.docker.map((p: Json) => p.alias)).toEqual(["a", "b"]);
    for (const c of Object.values<Json>(out.resource.docker_container)) {
      expect([c.name.split("-")[0], c.provider]).toEqual(c.name.startsWith("course-") ? ["course", "docker.a"] : ["lab", "docker.b"]);
    }
    for (const [, d] of startsOf(out)) {
      const { container } = d.triggers_replace;
      expect([container, d.provisioner[0]["local-exec"].environment.DOCKER_HOST]).toEqual([
        container,
        container.startsWith("course-") ? "ssh://admin@a" : "ssh://admin@b",
      ]);
    }
    expect(workspaceNames(out)).toHaveLength(10);
  });
});
