// The rendered Compose file, brought up for real on the project's Docker engine with
// locally built busybox images: the persistence model as a running host shows it.
import { execFile } from "node:child_process";
import { chownSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/model";
import { type ConfigInput } from "../../src/config/schema";
import { writeCompose } from "../../src/output/output";
import { busyboxImage, docker, dockerStatus, eventually, requireDocker, scenarioRoot, uniqueName } from "../helpers/docker";
import { snapshot } from "../helpers/trees";
import { homeSplit } from "../../src/container/common";

const exec = promisify(execFile);
const SEED = { "welcome.txt": "hello from the image\n", "lib/helper.py": "print('hi')\n", ".cache/big": "skip me\n" };

let root: string;
let project: string;
let file: string;
let v1: string;
let v2: string;
let other: string;

function config(pyImage: string): ConfigInput {
  return {
    host: { name: project, homeRoot: `${root}/home`, sharedMounts: [{ source: `${root}/data`, target: "/srv/data" }] },
    environments: [
      // busybox httpd serves its working directory: it answers only if it started in the environment directory.
      { name: "py", image: pyImage, command: ["httpd", "-f", "-p", "8888"], env: { PRICE: "$5 ${HOME}" }, memory: "64m", cpus: 0.5 },
      { name: "stats", image: other, command: ["httpd", "-f", "-p", "8888"], groups: ["stats"], memory: "64m", readOnlyRoot: true, pidsLimit: 64 },
    ],
    users: [
      { name: "alice", uid: 2001, gid: 2001, groups: ["stats"] },
      { name: "bob", uid: 2002, gid: 2002, supplementaryGids: [2100] },
    ],
  };
}

async function compose(...args: string[]): Promise<string> {
  const { stdout } = await exec("docker", ["compose", "-f", file, ...args], { maxBuffer: 16 << 20 });
  return stdout;
}

const name = (user: string, env: string) => `${project}-${user}.${env}`;
const id = async (container: string) => (await docker("inspect", "-f", "{{.Id}}", container)).trim();
const userData = () => snapshot(`${root}/home`, (rel) => rel.endsWith("/.homedock") || rel.includes("/.homedock/"));

beforeAll(async () => {
  requireDocker();
  v1 = busyboxImage("seed-v1", SEED);
  v2 = busyboxImage("seed-v2", { ...SEED, "new-in-v2.txt": "new\n" });
  other = busyboxImage("seed-probe", { "stats.txt": "stats\n" }, { suidProbe: true });
  root = scenarioRoot("compose");
  project = uniqueName("hdc");
  file = path.join(root, "docker-compose.yml");
  mkdirSync(`${root}/home`);
  mkdirSync(`${root}/data`);
  writeFileSync(`${root}/data/shared.csv`, "a,b\n");
  // alice has a home already, with work in it; bob has none yet.
  mkdirSync(`${root}/home/alice/py`, { recursive: true, mode: 0o751 });
  writeFileSync(`${root}/home/alice/py/welcome.txt`, "alice's own welcome\n");
  writeFileSync(`${root}/home/alice/notes.txt`, "notes\n");
  for (const p of ["", "/py", "/py/welcome.txt", "/notes.txt"]) chownSync(`${root}/home/alice${p}`, 2001, 2001);
  writeCompose(buildModel(config(v1)), file);
  await compose("up", "-d", "--wait");
}, 300_000);

afterAll(async () => {
  if (file) await dockerStatus("compose", "-f", file, "down", "-v", "--remove-orphans");
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("docker compose up", () => {
  it("runs each granted workspace as its user, with supplementary groups", async () => {
    expect((await docker("exec", name("alice", "py"), "id", "-u")).trim()).toBe("2001");
    expect((await docker("exec", name("alice", "py"), "id", "-g")).trim()).toBe("2001");
    expect((await docker("exec", name("bob", "py"), "id", "-G")).trim()).toBe("2002 2100");
    expect((await dockerStatus("inspect", name("bob", "stats"))).status).not.toBe(0);
    expect((await docker("exec", name("alice", "stats"), "id", "-u")).trim()).toBe("2001");
  });

  it("creates a missing home owned by the user, mode 0700, and leaves an existing one alone", () => {
    const bob = lstatSync(`${root}/home/bob`);
    expect([bob.uid, bob.gid, bob.mode & 0o7777]).toEqual([2002, 2002, 0o700]);
    const alice = lstatSync(`${root}/home/alice`);
    expect([alice.uid, alice.gid]).toEqual([2001, 2001]);
  });

  it("starts the server in the environment directory, answering on its port", async () => {
    // Running is not yet listening: wait for the port.
    let page = "";
    await eventually("bob's server", async () => {
      page = (await dockerStatus("exec", name("bob", "py"), "wget", "-qO-", "http://127.0.0.1:8888/welcome.txt")).stdout;
      return page !== "";
    });
    expect(page).toBe(SEED["welcome.txt"]);
    expect(await docker("exec", name("bob", "py"), "pwd")).toBe(`${root}/home/bob\n`);
  });

  it("seeds as the user, never over the user's files, skipping .cache", () => {
    const seeded = lstatSync(`${root}/home/bob/py/lib/helper.py`);
    expect([seeded.uid, seeded.gid]).toEqual([2002, 2002]);
    expect(readFileSync(`${root}/home/bob/py/welcome.txt`, "utf8")).toBe(SEED["welcome.txt"]);
    expect(readFileSync(`${root}/home/alice/py/welcome.txt`, "utf8")).toBe("alice's own welcome\n");
    expect(lstatSync(`${root}/home/alice/py`).mode & 0o777).toBe(0o751);
    expect(() => lstatSync(`${root}/home/bob/py/.cache`)).toThrow();
  });

  it("sets HOME, the Jupyter paths and literal environment values", async () => {
    const env = await docker("exec", name("bob", "py"), "env");
    expect(env).toContain(`HOME=${root}/home/bob\n`);
    expect(env).toContain(`JUPYTER_CONFIG_DIR=${root}/home/bob/py/.jupyter\n`);
    expect(env).toContain("PRICE=$5 ${HOME}\n");
    const token = readFileSync(`${root}/homedock-secrets/bob.py.env`, "utf8");
    expect(token).toMatch(/^JUPYTER_TOKEN=[0-9a-f]{64}\n$/);
    expect(env).toContain(token);
  });

  it("mounts shared data read-only and shows no other home", async () => {
    expect(await docker("exec", name("alice", "py"), "cat", "/srv/data/shared.csv")).toBe("a,b\n");
    const write = await dockerStatus("exec", name("alice", "py"), "sh", "-c", "echo x > /srv/data/new");
    expect(write.status).not.toBe(0);
    expect(write.stderr).toMatch(/Read-only file system/);
    expect((await dockerStatus("exec", name("alice", "py"), "ls", `${root}/home/bob`)).status).not.toBe(0);
  });

  it("applies the limits and the lock-down", async () => {
    const [hc] = JSON.parse(await docker("inspect", name("bob", "py")));
    expect(hc.HostConfig.Memory).toBe(64 * 2 ** 20);
    expect(hc.HostConfig.MemorySwap).toBe(64 * 2 ** 20);
    expect(hc.HostConfig.NanoCpus).toBe(5e8);
    expect(hc.HostConfig.Init).toBe(true);
    expect(hc.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(hc.HostConfig.SecurityOpt).toEqual(["no-new-privileges:true"]);
    expect(hc.HostConfig.RestartPolicy.Name).toBe("unless-stopped");
    const status = await docker("exec", name("bob", "py"), "grep", "-E", "^(CapEff|NoNewPrivs)", "/proc/self/status");
    expect(status).toMatch(/CapEff:\s+0000000000000000/);
    expect(status).toMatch(/NoNewPrivs:\s+1/);
  });

  it("limits memory, CPU and processes of every container of the host, the one-shots too", async () => {
    const ids = (await docker("ps", "-aq", "--filter", `label=homedock.host=${project}`)).trim().split("\n");
    const all = JSON.parse(await docker("inspect", ...ids)) as { Name: string; HostConfig: { Memory: number; NanoCpus: number; PidsLimit: number | null } }[];
    expect(all.map((c) => c.Name).sort()).toEqual(["alice.py", "alice.stats", "bob.py", "homes-py"].map((n) => `/${project}-${n}`));
    for (const c of all) {
      const { Memory, NanoCpus, PidsLimit } = c.HostConfig;
      expect([c.Name, Memory > 0, NanoCpus > 0, (PidsLimit ?? 0) > 0]).toEqual([c.Name, true, true, true]);
    }
  });
});

describe("probes from inside alice's workspace", () => {
  const alice = () => name("alice", "stats");

  it("is not root, has no capabilities, cannot gain privileges, and sees no other home", async () => {
    expect((await docker("exec", alice(), "id", "-u")).trim()).toBe("2001");
    const status = await docker("exec", alice(), "cat", "/proc/self/status");
    expect(status).toMatch(/^CapEff:\s+0000000000000000$/m);
    expect(status).toMatch(/^CapPrm:\s+0000000000000000$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect((await dockerStatus("exec", alice(), "ls", `${root}/home/bob`)).status).not.toBe(0);
    expect((await dockerStatus("exec", alice(), "sh", "-c", "echo x > /srv/data/x")).status).not.toBe(0);
  });

  it("a setuid-root binary does not raise privileges (it does without no-new-privileges)", async () => {
    expect((await docker("exec", alice(), "/bin/euid")).trim()).toBe("2001");
    const control = await docker("run", "--rm", "--user", "2001:2001", "--cap-drop", "ALL", "--network", "none", other, "/bin/euid");
    expect(control.trim()).toBe("0");
  });

  it("has a read-only root with a writable private /tmp, and the home writable", async () => {
    const root_ = await dockerStatus("exec", alice(), "sh", "-c", "echo x > /etc/x");
    expect([root_.status !== 0, root_.stderr.includes("Read-only file system")]).toEqual([true, true]);
    expect((await dockerStatus("exec", alice(), "sh", "-c", "echo x > /tmp/x && cat /tmp/x")).stdout).toBe("x\n");
    expect((await dockerStatus("exec", alice(), "sh", "-c", "echo x > notes.txt")).status).toBe(0);
  });

  it("publishes no port on the host", async () => {
    for (const c of [alice(), name("alice", "py"), name("bob", "py")]) {
      const [info] = JSON.parse(await docker("inspect", c));
      expect([c, info.HostConfig.PortBindings ?? {}, info.HostConfig.NetworkMode]).toEqual([c, {}, project]);
      expect((await docker("port", c)).trim()).toBe("");
    }
  });

  it("a fork bomb stops at the process limit and hurts no other workspace", async () => {
    // Forks without end: the limit, not the loop, is what stops it.
    await docker("exec", "-d", alice(), "sh", "-c", "exec 2>/dev/null; while :; do sleep 1000 & done");
    await eventually("the bomb to fill its limit", async () => Number((await docker("stats", "--no-stream", "--format", "{{.PIDs}}", alice())).trim()) >= 60);
    await new Promise((r) => setTimeout(r, 2000));
    expect(Number((await docker("stats", "--no-stream", "--format", "{{.PIDs}}", alice())).trim())).toBeLessThanOrEqual(64);
    // alice's other workspace too: the limit is per container, not per user.
    for (const [user, env, page] of [
      ["alice", "py", "alice's own welcome\n"],
      ["bob", "py", SEED["welcome.txt"]],
    ]) {
      const got = await dockerStatus("exec", name(user, env), "wget", "-qO-", "http://127.0.0.1:8888/welcome.txt");
      expect([user, env, got.stdout]).toEqual([user, env, page]);
    }
    await docker("restart", "-t", "0", alice());
    await eventually("alice's workspace back", async () => (await dockerStatus("exec", alice(), "true")).status === 0);
  }, 90_000);
});

describe("an image upgrade, then docker compose down", () => {
  it("recreates only that environment's workspaces, keeps every user file, brings the new seed file", async () => {
    // bob deletes a seeded file and writes his own work.
    rmSync(`${root}/home/bob/py/lib/helper.py`);
    await docker("exec", name("bob", "py"), "sh", "-c", "echo mine > results.txt");
    const before = userData();
    const ids = { alicePy: await id(name("alice", "py")), aliceStats: await id(name("alice", "stats")), bobPy: await id(name("bob", "py")) };

    writeCompose(buildModel(config(v2)), file);
    await compose("up", "-d", "--wait");

    expect(await id(name("alice", "stats"))).toBe(ids.aliceStats);
    expect(await id(name("alice", "py"))).not.toBe(ids.alicePy);
    expect(await id(name("bob", "py"))).not.toBe(ids.bobPy);
    const after = userData();
    for (const [rel, node] of before) expect(after.get(rel), rel).toEqual(node);
    expect(readFileSync(`${root}/home/bob/py/new-in-v2.txt`, "utf8")).toBe("new\n");
    expect(lstatSync(`${root}/home/bob/py/new-in-v2.txt`).uid).toBe(2002);
    expect(() => lstatSync(`${root}/home/bob/py/lib/helper.py`)).toThrow();
    const added = [...after.keys()].filter((rel) => !before.has(rel));
    expect(added.sort()).toEqual(["alice/py/new-in-v2.txt", "bob/py/new-in-v2.txt"]);
  });

  it("down, even with -v, removes the containers and leaves all data", async () => {
    const before = snapshot(`${root}/home`);
    await compose("down");
    await eventually("containers gone", async () => (await docker("ps", "-aq", "--filter", `label=homedock.host=${project}`)).trim() === "");
    expect(snapshot(`${root}/home`)).toEqual(before);
    // -v removes the home volumes: Docker's records of the binds, not the homes.
    await compose("down", "-v");
    expect((await docker("volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${project}`)).trim()).toBe("");
    expect(snapshot(`${root}/home`)).toEqual(before);
    expect(readFileSync(`${root}/data/shared.csv`, "utf8")).toBe("a,b\n");
  });
});

describe("with createHomes: false (homes made elsewhere)", () => {
  let dir: string;
  let ext: string;
  let extFile: string;

  beforeAll(() => {
    dir = scenarioRoot("compose-external-homes");
    ext = uniqueName("hde");
    extFile = path.join(dir, "docker-compose.yml");
    mkdirSync(`${dir}/home/alice`, { recursive: true, mode: 0o700 });
    chownSync(`${dir}/home/alice`, 2001, 2001);
    const c = config(v1);
    writeCompose(buildModel({ ...c, host: { ...c.host, name: ext, homeRoot: `${dir}/home`, sharedMounts: [], createHomes: false } }), extFile);
  });

  afterAll(async () => {
    if (extFile) await dockerStatus("compose", "-f", extFile, "down", "-v", "--remove-orphans");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("fails on a missing home, naming it, and creates nothing there", async () => {
    const up = await exec("docker", ["compose", "-f", extFile, "up", "-d"]).then(
      () => ({ code: 0, out: "" }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, out: err.stdout + err.stderr }),
    );
    expect(up.code).not.toBe(0);
    expect(up.out).toContain(`${dir}/home/bob`);
    expect(() => lstatSync(`${dir}/home/bob`)).toThrow();
  }, 120_000);

  it("runs every workspace once the home exists, with no home service", async () => {
    mkdirSync(`${dir}/home/bob`, { mode: 0o700 });
    chownSync(`${dir}/home/bob`, 2002, 2002);
    await exec("docker", ["compose", "-f", extFile, "up", "-d", "--wait"], { maxBuffer: 16 << 20 });
    const services = (await exec("docker", ["compose", "-f", extFile, "config", "--services"])).stdout.trim().split("\n").sort();
    expect(services).toEqual(["alice.py", "alice.stats", "bob.py"]);
    for (const [user, uid] of [
      ["alice", 2001],
      ["bob", 2002],
    ] as const) {
      expect((await docker("exec", `${ext}-${user}.py`, "id", "-u")).trim()).toBe(String(uid));
      await eventually(`${user}'s seed`, async () => lstatSync(`${dir}/home/${user}/py/welcome.txt`).uid === uid);
    }
    expect(lstatSync(`${dir}/home/bob`).uid).toBe(2002);
  }, 180_000);
});

describe("a hostile environment image", () => {
  // Its /bin/sh first tries to take everything it can see (every home and socket tree
  // mounted, but its own user's), then runs the real script. It is mallory's first environment, so it makes
  // mallory's home: what it must not reach is anyone else's (alice's, who never chose it,
  // a victim's beside them, the home root).
  const HOSTILE = [
    "#!/bin/busybox sh",
    "echo 'hostile shell: trying the neighbours' >&2",
    "for p in /homedock /homedock/* /homedock/*/* /homedock/*/*/*; do",
    // mallory's own home it leaves alone, so that the deploy goes on: what counts is the rest.
    "  case $p in */mallory | */mallory/*) continue ;; esac",
    '  busybox chown -h 6666:6666 "$p" 2>/dev/null; busybox chmod 0777 "$p" 2>/dev/null',
    "done",
    'exec /bin/busybox sh "$@"',
    "",
  ].join("\n");
  let dir: string;
  let host: string;
  let hostFile: string;
  const before: Record<string, string> = {};
  let up: string;
  const look = (p: string) => {
    const s = lstatSync(p);
    return `${s.uid}:${s.gid} ${(s.mode & 0o7777).toString(8)}`;
  };

  beforeAll(async () => {
    const hostile = busyboxImage("hostile-init", SEED, { shell: HOSTILE });
    dir = scenarioRoot("compose-hostile-init");
    host = uniqueName("hdh");
    hostFile = path.join(dir, "docker-compose.yml");
    mkdirSync(`${dir}/home/alice`, { recursive: true, mode: 0o700 });
    chownSync(`${dir}/home/alice`, 2001, 2001);
    writeFileSync(`${dir}/home/alice/notes.txt`, "alice's\n");
    chownSync(`${dir}/home/alice/notes.txt`, 2001, 2001);
    mkdirSync(`${dir}/home/victim`, { mode: 0o700 });
    chownSync(`${dir}/home/victim`, 3333, 3333);
    for (const p of ["home", "home/alice", "home/alice/notes.txt", "home/victim"]) before[p] = look(`${dir}/${p}`);
    const c = config(v1);
    writeCompose(
      buildModel({
        ...c,
        host: { ...c.host, name: host, homeRoot: `${dir}/home`, sharedMounts: [] },
        // evil first: mallory's first environment; alice and bob (not in group evil) start in py.
        environments: [{ ...c.environments[0], name: "evil", image: hostile, groups: ["evil"] }, c.environments[0]],
        users: [c.users![0], c.users![1], { name: "mallory", uid: 2003, gid: 2003, groups: ["evil"] }],
      }),
      hostFile,
    );
    // Looked at in the test, after the neighbours: what the image did comes first.
    up = await exec("docker", ["compose", "-f", hostFile, "up", "-d", "--wait"], { maxBuffer: 16 << 20 }).then(
      () => "",
      (err: { stderr: string }) => err.stderr,
    );
  }, 300_000);

  afterAll(async () => {
    if (hostFile) await dockerStatus("compose", "-f", hostFile, "down", "-v", "--remove-orphans");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs, as root, only over the homes of the users who run it first: no one else's changes", async () => {
    // Its shell ran, as root with CAP_CHOWN, in the one-shot of its image.
    const logs = await dockerStatus("logs", `${host}-homes-evil`);
    expect(logs.stderr).toContain("hostile shell: trying the neighbours");
    // It saw mallory's home alone; py's one-shot made alice's and bob's, with py's image.
    const mounted = JSON.parse(await docker("inspect", "-f", "{{json .Mounts}}", `${host}-homes-evil`)).map((m: { Source: string }) => m.Source);
    expect(mounted).toEqual([`${dir}/home/mallory`]);
    expect((await docker("inspect", "-f", "{{.Config.Image}}", `${host}-homes-py`)).trim()).toBe(v1);
    for (const [p, seen] of Object.entries(before)) expect([p, look(`${dir}/${p}`)]).toEqual([p, seen]);
    expect(up).toBe("");
    expect(look(`${dir}/home/bob`)).toBe("2002:2002 700");
    expect((await docker("exec", `${host}-bob.py`, "id", "-u")).trim()).toBe("2002");
  });
});

describe("a user's odd home", () => {
  // bob's home is a file, carol's a link to alice's: the one-shot makes dave's, touches
  // neither, and fails; Compose then starts none of the workspaces that wait for it.
  let dir: string;
  let host: string;
  let hostFile: string;
  let up: string;
  const look = (p: string) => {
    const s = lstatSync(p);
    return `${s.isSymbolicLink() ? "link" : s.isDirectory() ? "dir" : "file"} ${s.uid}:${s.gid} ${(s.mode & 0o7777).toString(8)}`;
  };

  beforeAll(async () => {
    dir = scenarioRoot("compose-odd-homes");
    host = uniqueName("hdo");
    hostFile = path.join(dir, "docker-compose.yml");
    mkdirSync(`${dir}/home/alice`, { recursive: true, mode: 0o700 });
    chownSync(`${dir}/home/alice`, 2001, 2001);
    writeFileSync(`${dir}/home/bob`, "not a home\n");
    symlinkSync(`${dir}/home/alice`, `${dir}/home/carol`);
    const c = config(v1);
    writeCompose(
      buildModel({
        ...c,
        host: { ...c.host, name: host, homeRoot: `${dir}/home`, sharedMounts: [] },
        environments: [c.environments[0]],
        users: [c.users![0], c.users![1], { name: "carol", uid: 2003, gid: 2003 }, { name: "dave", uid: 2004, gid: 2004 }],
      }),
      hostFile,
    );
    up = await exec("docker", ["compose", "-f", hostFile, "up", "-d"], { maxBuffer: 16 << 20 }).then(
      () => "",
      (err: { stderr: string }) => err.stderr || "failed",
    );
  }, 300_000);

  afterAll(async () => {
    if (hostFile) await dockerStatus("compose", "-f", hostFile, "down", "-v", "--remove-orphans");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("makes every other home, leaves the odd ones as they are, fails, and starts no workspace of its users", async () => {
    expect(up).not.toBe("");
    const logs = (await dockerStatus("logs", `${host}-homes-py`)).stderr;
    expect(logs).toContain("bob: the home is not a directory: left as it is");
    expect(logs).toContain("carol: the home is bound from");
    expect(logs).toContain("failed for: bob carol");
    expect((await docker("inspect", "-f", "{{.State.ExitCode}}", `${host}-homes-py`)).trim()).toBe("1");
    expect([look(`${dir}/home/alice`), look(`${dir}/home/bob`), look(`${dir}/home/carol`), look(`${dir}/home/dave`)]).toEqual([
      "dir 2001:2001 700",
      "file 0:0 644",
      "link 0:0 777",
      "dir 2004:2004 700",
    ]);
    for (const user of ["alice", "bob", "carol", "dave"]) {
      const state = await dockerStatus("inspect", "-f", "{{.State.Running}}", `${host}-${user}.py`);
      expect([user, state.stdout.trim()]).not.toEqual([user, "true"]);
    }
  });
});

describe("a course of more than 16 users of one image", () => {
  // Their homes are made by eight one-shots, each user's by a hash of the name: adding a
  // user runs again that user's one-shot alone, and moves no other container.
  let dir: string;
  let host: string;
  let hostFile: string;
  const users = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `s${i}`, uid: 2200 + i, gid: 2200 + i }));
  const write = (n: number) => {
    const c = config(v1);
    const py = { ...c.environments[0], memory: "16m", cpus: 0.1 };
    writeCompose(
      buildModel({ ...c, host: { ...c.host, name: host, homeRoot: `${dir}/home`, sharedMounts: [] }, environments: [py], users: users(n) }),
      hostFile,
    );
  };
  const up = () => exec("docker", ["compose", "-f", hostFile, "up", "-d", "--wait", "--remove-orphans"], { maxBuffer: 16 << 20 });
  const ids = async () => {
    const out = await docker("ps", "-a", "--filter", `label=homedock.host=${host}`, "--format", "{{.Names}} {{.ID}} {{.Status}}");
    return new Map(
      out
        .trim()
        .split("\n")
        .map((l) => l.split(" "))
        .map(([n, i, ...status]) => [n, `${i} ${status[0]}`]),
    );
  };

  beforeAll(() => {
    dir = scenarioRoot("compose-split-homes");
    host = uniqueName("hds");
    hostFile = path.join(dir, "docker-compose.yml");
    // s3 has a home already, with work in it.
    mkdirSync(`${dir}/home/s3`, { recursive: true, mode: 0o750 });
    writeFileSync(`${dir}/home/s3/work.txt`, "s3's work\n");
    for (const p of ["", "/work.txt"]) chownSync(`${dir}/home/s3${p}`, 2203, 2203);
  });

  afterAll(async () => {
    if (hostFile) await dockerStatus("compose", "-f", hostFile, "down", "-v", "--remove-orphans");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("makes every missing home, each its user's, and leaves the existing one as it is", async () => {
    write(18);
    await up();
    const homes = [...(await ids()).keys()].filter((n) => n.startsWith(`${host}-homes-py`)).sort();
    expect(homes.length).toBeGreaterThan(1);
    for (const n of homes) expect(n).toMatch(new RegExp(`^${host}-homes-py\\.[0-7]$`));
    for (const n of homes) expect((await docker("inspect", "-f", "{{.State.ExitCode}}", n)).trim(), n).toBe("0");
    for (const { name, uid } of users(18)) {
      const st = lstatSync(`${dir}/home/${name}`);
      expect([name, st.uid, st.gid, (st.mode & 0o7777).toString(8)]).toEqual([name, uid, uid, name === "s3" ? "750" : "700"]);
      expect((await docker("inspect", "-f", "{{.State.Running}}", `${host}-${name}.py`)).trim(), name).toBe("true");
    }
    expect(readFileSync(`${dir}/home/s3/work.txt`, "utf8")).toBe("s3's work\n");
  }, 300_000);

  it("adding a user runs that user's one-shot again and no other, and keeps every home as it was", async () => {
    const before = await ids();
    const data = snapshot(`${dir}/home`, (rel) => rel.endsWith("/.homedock") || rel.includes("/.homedock/"));
    write(19);
    await up();
    const after = await ids();
    const mine = `${host}-homes-py.${homeSplit("s18")}`;
    for (const [n, was] of before) {
      if (n === mine) expect(after.get(n), n).not.toBe(was);
      else expect(after.get(n), n).toBe(was);
    }
    expect([...after.keys()].filter((n) => !before.has(n))).toEqual([`${host}-s18.py`]);
    const st = lstatSync(`${dir}/home/s18`);
    expect([st.uid, (st.mode & 0o7777).toString(8)]).toEqual([2218, "700"]);
    const now = snapshot(`${dir}/home`, (rel) => rel.endsWith("/.homedock") || rel.includes("/.homedock/"));
    for (const [rel, node] of data) expect(now.get(rel), rel).toEqual(node);
  }, 300_000);
});
