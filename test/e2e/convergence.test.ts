// Every config field that reaches a container, changed one at a time on a running
// host: through `docker compose up -d` (always) and through `homedock deploy`
// (Terraform, with the real provider from HOMEDOCK_PROVIDER_MIRROR; skipped without it).
// Each row changes one field of the config the previous row left, deploys, and checks
//   1. the running containers show the new value (inspect, or its effect inside);
//   2. nothing is left to do: Terraform's next plan is empty; for Compose, `up -d`
//      again leaves every container as it is (same id, not restarted);
//   3. no other workspace changed (same container id, not restarted);
//   4. no file in any home changed (what seeding adds is new, never a change).
// The table of what each row checked is printed at the end.
import { execFile } from "node:child_process";
import { chownSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigInput } from "../../src/config/schema";
import { buildModel } from "../../src/model/model";
import { writeCompose } from "../../src/output/output";
import { busyboxImage, docker, dockerStatus, eventually, providerMirrorConfig, requireDocker, scenarioRoot, uniqueName } from "../helpers/docker";
import { type Node, snapshot } from "../helpers/trees";

const exec = promisify(execFile);
const repo = path.resolve(__dirname, "../..");
const mirror = process.env.HOMEDOCK_PROVIDER_MIRROR;
const SEED = { "welcome.txt": "hello from the image\n", "lib/helper.py": "print('hi')\n", ".cache/big": "skip me\n" };
const ALICE = 2201;
const BOB = 2202;
const EXTRA_GID = 2250;

type Config = ConfigInput & { host: NonNullable<ConfigInput["host"]>; users: NonNullable<ConfigInput["users"]> };
type Kind = "compose" | "terraform";

/** One deployed host and the backend that converges it. */
interface Backend {
  readonly kind: Kind;
  readonly name: string;
  readonly root: string;
  deploy(config: Config): Promise<void>;
  /** With HOMEDOCK_RECORD_PLANS, Terraform's plan of `config` goes to test/fixtures/plans/<name>.json (see its README). */
  record?(config: Config, name: string): Promise<void>;
  /** What converging again would still do: Terraform's planned changes, or what `up -d` again changed. */
  pending(): Promise<string[]>;
  cleanup(): Promise<void>;
}

interface Row {
  /** The field as an admin writes it. */
  readonly field: string;
  readonly change: (c: Config, b: Backend, images: Images) => void;
  /** Containers ("alice.py", "homes-py") that may change; every other one must stay as it was. */
  readonly affects: readonly string[] | ((kind: Kind) => readonly string[]);
  /** What the check looks at, for the printed table. */
  readonly checked: string;
  readonly check: (b: Backend, images: Images) => Promise<void>;
  /** The name its plan is recorded under (see Backend.record). */
  readonly record?: string;
}

interface Images {
  readonly v1: string;
  readonly v2: string;
  readonly other: string;
}

const homes = (b: Backend) => path.join(b.root, "homes");
const container = (b: Backend, key: string) => `${b.name}-${key}`;
/** Runs a shell command in a container; its output, trimmed. */
const sh = async (b: Backend, key: string, script: string) => (await docker("exec", container(b, key), "sh", "-c", script)).trim();
const inspect = async (b: Backend, key: string, format: string) => (await docker("inspect", "-f", format, container(b, key))).trim();
const imageId = async (image: string) => (await docker("image", "inspect", "-f", "{{.Id}}", image)).trim();
/** A line of the server process's /proc status (the server, not a process docker exec starts). */
const serverStatus = (b: Backend, key: string, field: string) => sh(b, key, `grep '^${field}:' /proc/$(pidof httpd)/status`);
/** A cgroup file of the container, v1 or v2. */
const cgroup = (b: Backend, key: string, v2: string, v1: string) => sh(b, key, `cat /sys/fs/cgroup/${v2} 2>/dev/null || cat /sys/fs/cgroup/${v1}`);
const memoryLimit = async (b: Backend, key: string) => Number(await cgroup(b, key, "memory.max", "memory/memory.limit_in_bytes")) / 2 ** 20;
async function cpuLimit(b: Backend, key: string): Promise<number> {
  const v2 = await dockerStatus("exec", container(b, key), "cat", "/sys/fs/cgroup/cpu.max");
  if (v2.status === 0) {
    const [quota, period] = v2.stdout.trim().split(" ").map(Number);
    return quota / period;
  }
  return Number(await sh(b, key, "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us")) / Number(await sh(b, key, "cat /sys/fs/cgroup/cpu/cpu.cfs_period_us"));
}
/**
 * The process limit as each renderer sets it: the cgroup's pids.max (Compose), or
 * the server's RLIMIT_NPROC (Terraform; the provider has no pids_limit).
 */
async function processLimit(b: Backend, key: string): Promise<number> {
  if (b.kind === "compose") return Number(await cgroup(b, key, "pids.max", "pids/pids.max"));
  const line = await sh(b, key, "grep '^Max processes' /proc/$(pidof httpd)/limits");
  return Number(line.split(/\s+/)[2]);
}

const everyone = ["alice.py", "alice.stats", "bob.py"];
const expectAll = async (keys: readonly string[], what: (key: string) => Promise<unknown>, value: unknown) => {
  for (const key of keys) expect([key, await what(key)]).toEqual([key, value]);
};

const env = (c: Config, name: string) => c.environments.find((e) => e.name === name)!;
const user = (c: Config, name: string) => c.users.find((u) => u.name === name)!;

const rows: Row[] = [
  {
    field: "host.sharedMounts[0].source",
    change: (c, b) => (c.host.sharedMounts![0] = { ...c.host.sharedMounts![0], source: path.join(b.root, "data-term2") }),
    affects: everyone,
    record: "change-mount-source",
    checked: "the file read at the mount's target is the new directory's; docker inspect shows the new source",
    check: async (b) => {
      await expectAll(everyone, (k) => sh(b, k, "cat /srv/data/shared.csv"), "term 2");
      await expectAll(
        everyone,
        (k) => inspect(b, k, '{{range .Mounts}}{{if eq .Destination "/srv/data"}}{{.Source}}{{end}}{{end}}'),
        path.join(b.root, "data-term2"),
      );
    },
  },
  {
    field: "host.sharedMounts[0].target",
    change: (c) => (c.host.sharedMounts![0] = { ...c.host.sharedMounts![0], target: "/srv/course" }),
    affects: everyone,
    checked: "the shared file is at the new target, and the old target is gone",
    check: async (b) => {
      await expectAll(everyone, (k) => sh(b, k, "cat /srv/course/shared.csv; ls /srv/data 2>&1 >/dev/null | grep -c 'No such file'"), "term 2\n1");
    },
  },
  {
    field: "host.sharedMounts[1].writable",
    change: (c) => (c.host.sharedMounts![1] = { ...c.host.sharedMounts![1], writable: false }),
    affects: everyone,
    checked: "writing under the mount fails (read-only file system)",
    check: async (b) => {
      for (const key of everyone) {
        const r = await dockerStatus("exec", container(b, key), "sh", "-c", "touch /srv/scratch/x");
        expect([key, r.status !== 0, r.stderr]).toEqual([key, true, expect.stringContaining("Read-only")]);
      }
    },
  },
  {
    field: "environments[py].env",
    change: (c) => (env(c, "py").env = { COURSE: "2026" }),
    affects: ["alice.py", "bob.py"],
    checked: "the server process's environment has the new variable",
    check: async (b) => {
      await expectAll(["alice.py", "bob.py"], (k) => sh(b, k, "tr '\\0' '\\n' < /proc/$(pidof httpd)/environ | grep ^COURSE="), "COURSE=2026");
    },
  },
  {
    field: "host.defaults.memory",
    change: (c) => (c.host.defaults = { ...c.host.defaults, memory: "96m" }),
    affects: ["alice.py", "bob.py"],
    checked: "the cgroup memory limit of the workspaces without their own (96 MiB); stats keeps its 64 MiB",
    check: async (b) => {
      await expectAll(["alice.py", "bob.py"], (k) => memoryLimit(b, k), 96);
      expect(await memoryLimit(b, "alice.stats")).toBe(64);
    },
  },
  {
    field: "environments[stats].memory",
    change: (c) => (env(c, "stats").memory = "80m"),
    affects: ["alice.stats"],
    checked: "the cgroup memory limit (80 MiB)",
    check: async (b) => expect(await memoryLimit(b, "alice.stats")).toBe(80),
  },
  {
    field: "users[bob].memory",
    change: (c) => (user(c, "bob").memory = "48m"),
    affects: ["bob.py"],
    checked: "the cgroup memory limit (48 MiB)",
    check: async (b) => expect(await memoryLimit(b, "bob.py")).toBe(48),
  },
  {
    field: "host.defaults.cpus",
    change: (c) => (c.host.defaults = { ...c.host.defaults, cpus: 0.75 }),
    affects: ["alice.py", "bob.py"],
    checked: "the cgroup CPU quota / period (0.75)",
    check: async (b) => await expectAll(["alice.py", "bob.py"], (k) => cpuLimit(b, k), 0.75),
  },
  {
    field: "environments[stats].cpus",
    change: (c) => (env(c, "stats").cpus = 0.25),
    affects: ["alice.stats"],
    checked: "the cgroup CPU quota / period (0.25)",
    check: async (b) => expect(await cpuLimit(b, "alice.stats")).toBe(0.25),
  },
  {
    field: "users[bob].cpus",
    change: (c) => (user(c, "bob").cpus = 0.5),
    affects: ["bob.py"],
    checked: "the cgroup CPU quota / period (0.5)",
    check: async (b) => expect(await cpuLimit(b, "bob.py")).toBe(0.5),
  },
  {
    field: "host.defaults.pidsLimit",
    change: (c) => (c.host.defaults = { ...c.host.defaults, pidsLimit: 150 }),
    affects: ["alice.py", "bob.py"],
    checked: "the process limit: cgroup pids.max (Compose), the server's RLIMIT_NPROC (Terraform)",
    check: async (b) => await expectAll(["alice.py", "bob.py"], (k) => processLimit(b, k), 150),
  },
  {
    field: "environments[stats].pidsLimit",
    change: (c) => (env(c, "stats").pidsLimit = 80),
    affects: ["alice.stats"],
    checked: "the process limit (80), as above",
    check: async (b) => expect(await processLimit(b, "alice.stats")).toBe(80),
  },
  {
    field: "host.defaults.restart",
    change: (c) => (c.host.defaults = { ...c.host.defaults, restart: "always" }),
    affects: everyone,
    checked: "docker inspect: the restart policy",
    check: async (b) => await expectAll(everyone, (k) => inspect(b, k, "{{.HostConfig.RestartPolicy.Name}}"), "always"),
  },
  {
    field: "environments[py].command",
    change: (c) => (env(c, "py").command = ["httpd", "-f", "-p", "8899"]),
    affects: ["alice.py", "bob.py"],
    checked: "the server answers on the port its new command names",
    check: async (b) => {
      for (const key of ["alice.py", "bob.py"]) {
        await eventually(
          `${key} on 8899`,
          async () => (await dockerStatus("exec", container(b, key), "wget", "-qO-", "http://127.0.0.1:8899/welcome.txt")).status === 0,
        );
      }
    },
  },
  {
    field: "environments[py].seedExcludes",
    change: (c) => (env(c, "py").seedExcludes = []),
    affects: ["alice.py", "bob.py"],
    checked: "the file it no longer excludes (.cache/big) is seeded into the environment directory",
    check: async (b) => {
      for (const u of ["alice", "bob"]) expect(readFileSync(path.join(homes(b), "main", u, "py/.cache/big"), "utf8")).toBe(SEED[".cache/big"]);
    },
  },
  {
    field: "environments[py].seedDir",
    change: (c) => (env(c, "py").seedDir = "/home/jovyan/lib"),
    affects: ["alice.py", "bob.py"],
    checked: "the new seed directory's file (helper.py) arrives at the environment directory's top",
    check: async (b) => {
      for (const u of ["alice", "bob"]) expect(readFileSync(path.join(homes(b), "main", u, "py/helper.py"), "utf8")).toBe(SEED["lib/helper.py"]);
    },
  },
  {
    field: "environments[py].readOnlyRoot",
    change: (c) => (env(c, "py").readOnlyRoot = true),
    affects: ["alice.py", "bob.py"],
    checked: "writing to /etc fails; /tmp is writable",
    check: async (b) => {
      for (const key of ["alice.py", "bob.py"]) {
        expect([key, (await dockerStatus("exec", container(b, key), "sh", "-c", "echo x > /etc/x")).status]).not.toEqual([key, 0]);
        expect([key, (await dockerStatus("exec", container(b, key), "sh", "-c", "echo x > /tmp/x")).status]).toEqual([key, 0]);
      }
    },
  },
  {
    field: "users[bob].supplementaryGids",
    change: (c) => (user(c, "bob").supplementaryGids = [EXTRA_GID]),
    affects: ["bob.py"],
    checked: "the server process's uid and groups",
    check: async (b) => {
      expect(await serverStatus(b, "bob.py", "Uid")).toMatch(new RegExp(`^Uid:\\s+${BOB}\\s`));
      expect((await serverStatus(b, "bob.py", "Groups")).split(/\s+/).slice(1)).toContain(String(EXTRA_GID));
    },
  },
  {
    field: "users[bob].groups (granted)",
    change: (c) => (user(c, "bob").groups = ["stats"]),
    affects: ["bob.stats"],
    checked: "bob's new stats workspace runs its server as bob",
    check: async (b) => expect(await serverStatus(b, "bob.stats", "Uid")).toMatch(new RegExp(`^Uid:\\s+${BOB}\\s`)),
  },
  {
    field: "users[bob].groups (revoked)",
    change: (c) => (user(c, "bob").groups = []),
    affects: ["bob.stats"],
    checked: "bob's stats workspace is gone; its directory stays in his home",
    check: async (b) => {
      expect((await dockerStatus("inspect", container(b, "bob.stats"))).status).not.toBe(0);
      expect(existsSync(path.join(homes(b), "main/bob/stats/stats.txt"))).toBe(true);
    },
  },
  {
    field: "environments[py].image",
    change: (c, _, images) => (env(c, "py").image = images.v2),
    // The home one-shot runs the users' first environment's image; Terraform keeps it once it ran.
    affects: (kind) => (kind === "compose" ? ["alice.py", "bob.py", "homes-py"] : ["alice.py", "bob.py"]),
    checked: "docker inspect: the image; the file new in it is seeded",
    check: async (b, images) => {
      await expectAll(["alice.py", "bob.py"], (k) => inspect(b, k, "{{.Image}}"), await imageId(images.v2));
      for (const u of ["alice", "bob"]) expect(existsSync(path.join(homes(b), "main", u, "py/new-in-v2.txt"))).toBe(true);
    },
  },
  {
    field: "environments[py].dir",
    change: (c) => (env(c, "py").dir = "python"),
    affects: ["alice.py", "bob.py"],
    checked: "the server runs in the new directory, seeded; the old one stays",
    check: async (b) => {
      for (const u of ["alice", "bob"]) {
        expect(await sh(b, `${u}.py`, "readlink /proc/$(pidof httpd)/cwd")).toBe(path.join(homes(b), "main", u, "python"));
        expect(existsSync(path.join(homes(b), "main", u, "python/new-in-v2.txt"))).toBe(true);
      }
    },
  },
  {
    field: "environments[py].displayName",
    change: (c) => (env(c, "py").displayName = "Python, term 2"),
    affects: [],
    checked: "nothing changes: no container shows it",
    check: async () => {},
  },
  {
    field: "host.homeMode",
    change: (c) => (c.host.homeMode = "0750"),
    affects: ["homes-py"],
    checked: "the existing homes keep their mode (0700); no workspace restarts",
    check: async (b) => {
      for (const u of ["alice", "bob"]) expect((lstatSync(path.join(homes(b), "main", u)).mode & 0o777).toString(8)).toBe("700");
    },
  },
  {
    field: "host.initImage",
    change: (c, _, images) => (c.host.initImage = images.other),
    // One home one-shot for initImage takes the place of py's, and runs it over the homes.
    affects: ["homes-py", "homes"],
    checked: "the home one-shot of initImage (`homes`) replaces py's and runs the new image; the homes stay as they are",
    check: async (b, images) => {
      await expectAll(["homes"], (k) => inspect(b, k, "{{.Image}} {{.State.ExitCode}}"), `${await imageId(images.other)} 0`);
      expect((await containers(b)).filter((k) => k.startsWith("homes"))).toEqual(["homes"]);
    },
  },
  {
    field: "users[bob].home",
    change: (c, b) => (user(c, "bob").home = path.join(homes(b), "other/bob")),
    affects: ["bob.py", "homes"],
    checked: "HOME and the home mount of bob's server are the new home, created as bob's and seeded; the old home stays",
    check: async (b) => {
      const home = path.join(homes(b), "other/bob");
      expect(await sh(b, "bob.py", "tr '\\0' '\\n' < /proc/$(pidof httpd)/environ | grep ^HOME=")).toBe(`HOME=${home}`);
      expect(await sh(b, "bob.py", "readlink /proc/$(pidof httpd)/cwd")).toBe(`${home}/python`);
      expect(lstatSync(home).uid).toBe(BOB);
      expect(existsSync(path.join(homes(b), "main/bob/py/welcome.txt"))).toBe(true);
    },
  },
  {
    field: "host.homeRoot",
    change: (c, b) => (c.host.homeRoot = path.join(homes(b), "main2")),
    affects: ["alice.py", "alice.stats", "homes"],
    checked: "alice's servers run in her home under the new root (bob names his own home: unchanged)",
    check: async (b) => {
      for (const key of ["alice.py", "alice.stats"]) {
        expect(await sh(b, key, "tr '\\0' '\\n' < /proc/$(pidof httpd)/environ | grep ^HOME=")).toBe(`HOME=${path.join(homes(b), "main2/alice")}`);
      }
    },
  },
  {
    field: "host.network",
    change: (c, b) => (c.host.network = `${b.name}-b`),
    affects: everyone,
    checked: "docker inspect: the workspaces' network",
    check: async (b) => await expectAll(everyone, (k) => inspect(b, k, "{{range $n, $_ := .NetworkSettings.Networks}}{{$n}}{{end}}"), `${b.name}-b`),
  },
  {
    field: "host.createHomes",
    change: (c) => (c.host.createHomes = false),
    // Terraform binds the home either way; Compose binds it through a volume only while a home service makes it.
    affects: (kind) => (kind === "compose" ? [...everyone, "homes"] : ["homes"]),
    checked: "no home container is left; every workspace runs, its home bound directly",
    check: async (b) => {
      expect((await containers(b)).filter((k) => k.startsWith("homes"))).toEqual([]);
      const home = { alice: path.join(homes(b), "main2/alice"), bob: path.join(homes(b), "other/bob") };
      for (const key of everyone) {
        const mine = home[key.split(".")[0] as "alice"];
        expect([key, await inspect(b, key, `{{range .Mounts}}{{if eq .Destination "${mine}"}}{{.Type}} {{.Source}}{{end}}{{end}}`)]).toEqual([
          key,
          `bind ${mine}`,
        ]);
      }
    },
  },
];

function baseConfig(b: Backend, images: Images): Config {
  return {
    host: {
      name: b.name,
      homeRoot: path.join(homes(b), "main"),
      network: b.name,
      sharedMounts: [
        { source: path.join(b.root, "data"), target: "/srv/data" },
        { source: path.join(b.root, "scratch"), target: "/srv/scratch", writable: true },
      ],
      defaults: { memory: "64m", cpus: 0.5, restart: "unless-stopped", pidsLimit: 200 },
    },
    environments: [
      { name: "py", image: images.v1, command: ["httpd", "-f", "-p", "8888"] },
      { name: "stats", image: images.other, command: ["httpd", "-f", "-p", "8888"], groups: ["stats"], memory: "64m", cpus: 0.5, pidsLimit: 64 },
    ],
    users: [
      { name: "alice", uid: ALICE, gid: ALICE, groups: ["stats"] },
      { name: "bob", uid: BOB, gid: BOB },
    ],
  };
}

/** The host's containers by key ("alice.py", "homes-py"). */
async function containers(b: Backend): Promise<string[]> {
  const out = await docker("ps", "-a", "--filter", `label=homedock.host=${b.name}`, "--format", "{{.Names}}");
  return out
    .split("\n")
    .filter(Boolean)
    .map((n) => n.slice(b.name.length + 1))
    .sort();
}

/** Each container's id, and for a server when it started: what must not change unless its row says so. */
async function states(b: Backend): Promise<Map<string, string>> {
  const keys = await containers(b);
  if (keys.length === 0) return new Map();
  const out = await docker(
    "inspect",
    "-f",
    '{{.Name}} {{.Id}} {{.State.StartedAt}} {{index .Config.Labels "homedock.role"}}',
    ...keys.map((k) => container(b, k)),
  );
  return new Map(
    out
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [name, id, started, role] = line.split(" ");
        // A one-shot home container may run again at a deploy; what counts is that it was not replaced.
        return [name.slice(b.name.length + 2), role === "home" ? id : `${id} ${started}`];
      }),
  );
}

/** The containers whose state differs, or that came or went. */
function differences(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k)).sort();
}

/** Every file in every home, without the seeder's records. */
const userFiles = (b: Backend) => snapshot(homes(b), (rel) => rel.endsWith("/.homedock"));

/** Entries of `before` that are gone or differ in `after` (new entries are what seeding adds). */
function changedFiles(before: ReadonlyMap<string, Node>, after: ReadonlyMap<string, Node>): string[] {
  return [...before].filter(([rel, node]) => JSON.stringify(after.get(rel)) !== JSON.stringify(node)).map(([rel]) => rel);
}

async function serversUp(b: Backend): Promise<void> {
  const servers = (await containers(b)).filter((k) => !k.startsWith("homes"));
  for (const key of servers) {
    await eventually(`${key}'s server`, async () => (await dockerStatus("exec", container(b, key), "pidof", "httpd")).status === 0);
  }
}

/** The host's directories: homes (main, and others a row moves a home to), shared data, scratch. */
function prepare(root: string): void {
  for (const d of ["homes/main", "homes/main2", "homes/other", "data", "data-term2", "scratch"]) mkdirSync(path.join(root, d), { recursive: true });
  writeFileSync(path.join(root, "data/shared.csv"), "term 1\n");
  writeFileSync(path.join(root, "data-term2/shared.csv"), "term 2\n");
  // alice has a home with work in it before the first deploy; bob's is made by it.
  const alice = path.join(root, "homes/main/alice");
  mkdirSync(path.join(alice, "py"), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(alice, "thesis.tex"), "\\documentclass{article}\n");
  writeFileSync(path.join(alice, "py/welcome.txt"), "alice's own welcome\n");
  for (const p of ["", "py", "thesis.tex", "py/welcome.txt"]) chownSync(path.join(alice, p), ALICE, ALICE);
}

class ComposeBackend implements Backend {
  readonly kind = "compose";
  readonly name = uniqueName("hdv");
  readonly root = scenarioRoot("converge-compose");
  private readonly file = path.join(this.root, "docker-compose.yml");

  private async up(): Promise<void> {
    // --remove-orphans: a workspace whose grant was revoked is a service no longer in the file.
    await exec("docker", ["compose", "-f", this.file, "up", "-d", "--remove-orphans"], { maxBuffer: 16 << 20 });
  }

  async deploy(config: Config): Promise<void> {
    writeCompose(buildModel(config), this.file);
    await this.up();
  }

  async pending(): Promise<string[]> {
    const before = await states(this);
    await this.up();
    return differences(before, await states(this));
  }

  async cleanup(): Promise<void> {
    await dockerStatus("compose", "-f", this.file, "down", "-v", "--remove-orphans");
    // The home volumes the last file no longer names (a moved home, createHomes off).
    const volumes = (await docker("volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${this.name}`)).split("\n").filter(Boolean);
    if (volumes.length > 0) await dockerStatus("volume", "rm", ...volumes);
    await removeLeftovers(this);
  }
}

class TerraformBackend implements Backend {
  readonly kind = "terraform";
  readonly name = uniqueName("hdw");
  readonly root = scenarioRoot("converge-terraform");
  private readonly configFile = path.join(this.root, "homedock.yaml");

  private get env(): NodeJS.ProcessEnv {
    return { ...process.env, TF_CLI_CONFIG_FILE: path.join(this.root, "cli.tfrc"), CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", FORCE_COLOR: "0" };
  }

  private async run(cmd: string, args: string[], cwd = this.root): Promise<{ code: number; out: string }> {
    try {
      const { stdout, stderr } = await exec(cmd, args, { cwd, env: this.env, maxBuffer: 64 << 20 });
      return { code: 0, out: stdout + stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === "number" ? e.code : 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
  }

  async deploy(config: Config): Promise<void> {
    writeFileSync(path.join(this.root, "cli.tfrc"), providerMirrorConfig(mirror!));
    writeFileSync(this.configFile, JSON.stringify(config));
    const r = await this.run(path.join(repo, "node_modules/.bin/tsx"), [path.join(repo, "src/cli/cli.ts"), "deploy", "-c", this.configFile, "--auto-approve"]);
    if (r.code !== 0) throw new Error(`homedock deploy failed:\n${r.out.slice(-4000)}`);
  }

  async record(config: Config, name: string): Promise<void> {
    writeFileSync(this.configFile, JSON.stringify(config));
    const synth = await this.run(path.join(repo, "node_modules/.bin/tsx"), [path.join(repo, "src/cli/cli.ts"), "synth", "-c", this.configFile]);
    if (synth.code !== 0) throw new Error(synth.out);
    const stack = path.join(this.root, "cdktf.out/stacks", this.name);
    const plan = await this.run("terraform", ["plan", "-input=false", "-out=plan.bin"], stack);
    if (plan.code !== 0) throw new Error(plan.out);
    const json = JSON.parse((await this.run("terraform", ["show", "-json", "plan.bin"], stack)).out);
    // terraform show -json prints the workspace tokens in clear: a fixture holds none.
    const text = JSON.stringify(json, null, 1)
      .replace(/JUPYTER_TOKEN=[0-9a-f]{64}/g, "JUPYTER_TOKEN=(the recorder drops the token)")
      .replaceAll(this.root, "/srv/lab");
    writeFileSync(path.join(repo, "test/fixtures/plans", `${name}.json`), `${text}\n`);
  }

  async pending(): Promise<string[]> {
    const stack = path.join(this.root, "cdktf.out/stacks", this.name);
    const plan = await this.run("terraform", ["plan", "-input=false", "-detailed-exitcode", "-out=plan.bin"], stack);
    if (plan.code === 0) return [];
    if (plan.code !== 2) throw new Error(plan.out);
    const json = JSON.parse((await this.run("terraform", ["show", "-json", "plan.bin"], stack)).out);
    return (json.resource_changes ?? [])
      .filter((c: { change: { actions: string[] } }) => !["no-op", "read"].includes(c.change.actions.join("+")))
      .map((c: { address: string; change: { actions: string[] } }) => `${c.change.actions.join("+")} ${c.address}`);
  }

  async cleanup(): Promise<void> {
    await removeLeftovers(this);
  }
}

/** Whatever of the host is still there: its containers and both of its networks; then its directory. */
async function removeLeftovers(b: Backend): Promise<void> {
  const ids = (await docker("ps", "-aq", "--filter", `label=homedock.host=${b.name}`)).split("\n").filter(Boolean);
  if (ids.length > 0) await dockerStatus("rm", "-f", ...ids);
  for (const network of [b.name, `${b.name}-b`]) await dockerStatus("network", "rm", network);
  rmSync(b.root, { recursive: true, force: true });
}

function fieldTable(make: () => Backend): void {
  let b: Backend;
  let images: Images;
  let config: Config;
  const results: string[] = [];

  beforeAll(async () => {
    requireDocker();
    images = {
      v1: busyboxImage("seed-v1", SEED),
      // Its new file is under lib/, the seed directory by the time the image changes.
      v2: busyboxImage("seed-v2-lib", { ...SEED, "lib/new-in-v2.txt": "new\n" }),
      other: busyboxImage("seed-other", { "stats.txt": "stats\n" }),
    };
    b = make();
    prepare(b.root);
    config = baseConfig(b, images);
    await b.deploy(config);
    await serversUp(b);
    expect(await b.pending()).toEqual([]);
  }, 300_000);

  afterAll(async () => {
    if (!b) return;
    console.log(
      [`${b.kind}: every field changed once`, "| field | checked | containers that changed | result |", "| --- | --- | --- | --- |", ...results].join("\n"),
    );
    await b.cleanup();
  });

  for (const row of rows) {
    it(
      row.field,
      async () => {
        const affects = typeof row.affects === "function" ? row.affects(b.kind) : row.affects;
        const before = await states(b);
        const files = userFiles(b);
        const next = structuredClone(config);
        row.change(next, b, images);
        let changed: string[] = [];
        try {
          if (row.record && b.record && process.env.HOMEDOCK_RECORD_PLANS) await b.record(next, row.record);
          await b.deploy(next);
          config = next;
          await serversUp(b);
          changed = differences(before, await states(b));
          await row.check(b, images);
          expect(await b.pending(), "left to do after the deploy").toEqual([]);
          expect(
            changed.filter((k) => !affects.includes(k)),
            "containers changed that do not use the field",
          ).toEqual([]);
          expect(changedFiles(files, userFiles(b)), "files changed in a home").toEqual([]);
          results.push(`| ${row.field} | ${row.checked} | ${changed.join(", ") || "none"} | passed |`);
        } catch (err) {
          results.push(`| ${row.field} | ${row.checked} | ${changed.join(", ") || "none"} | FAILED: ${String((err as Error).message).split("\n")[0]} |`);
          throw err;
        }
      },
      180_000,
    );
  }
}

describe("every field, changed once, through docker compose up -d", () => fieldTable(() => new ComposeBackend()));

if (!mirror)
  console.log("convergence through homedock deploy skipped: set HOMEDOCK_PROVIDER_MIRROR to a Terraform filesystem mirror holding kreuzwerker/docker 4.5.0");
describe.skipIf(!mirror)("every field, changed once, through homedock deploy (Terraform)", () => fieldTable(() => new TerraformBackend()));
