// Deploy of 100 workspaces on a 3-node Docker Swarm against the same 100 on one host,
// side by side; then, on each deployed host, a deploy with nothing changed and one that
// adds a user. The Swarm is the test rig (scripts/swarm-rig.sh: three Docker-in-Docker
// nodes on this machine, sharing its CPUs; HOMEDOCK_SWARM_NAME names it); one host is
// this machine's own engine. Homes exist (createHomes: false), one per user, on the
// rig's shared directory. The hosts:
//   - Swarm: `homedock swarm deploy` (the node check's job on every node, the stack
//     file, `docker stack deploy --prune`), against the rig's manager;
//   - Compose: `homedock compose`, then `docker compose up -d --remove-orphans`;
//   - Terraform, when HOMEDOCK_PROVIDER_MIRROR names a filesystem mirror holding
//     kreuzwerker/docker 4.5.0: `homedock deploy --auto-approve`.
// Each deploys the 100 from nothing, the hosts in turn, `runs` times (default 3);
// medians. Then all are deployed at once and, `runs` times each in turn: a deploy with
// nothing changed (which must restart nothing: the running workspaces' ids are the same
// after it) and a deploy that adds one user (Terraform's then deployed again, untimed,
// so that the next no-change deploy finds a settled host, as bench/deploy-50.ts does).
// Timed, from the start of the first command: "command", until the commands exit;
// "running", until every workspace of the config runs (on one host: its container's
// state is running; on Swarm: its service's one task is Running, as `docker stack ps`
// says), polled every 0.5 s. Also `homedock swarm check` alone, the node check that
// every `swarm deploy` starts with. homedock is the compiled command, as the package runs it.
//   [HOMEDOCK_PROVIDER_MIRROR=...] HOMEDOCK_SWARM_NAME=... npm run bench:swarm [-- runs]
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type ConfigInput } from "../src/config/schema";
import { busyboxImage, providerMirrorConfig } from "../test/helpers/docker";
import { SWARM_NODES, swarmRig } from "../test/helpers/swarm";
import { median } from "./side-by-side";
import { removeContainers, removeNetworks, timedMs } from "./single-host";

const RUNS = Number(process.argv[2] ?? 3);
const USERS = 100;
const mirror = process.env.HOMEDOCK_PROVIDER_MIRROR;
const repo = path.resolve(__dirname, "..");
// The image bench/deploy-50.ts deploys: busybox httpd, a small seed.
const image = busyboxImage("seed-v1", { "welcome.txt": "hello from the image\n", "lib/helper.py": "print('hi')\n", ".cache/big": "skip me\n" });
const rig = swarmRig(process.env.HOMEDOCK_SWARM_NAME ?? "homedock-swarm-bench");
const manager = rig.socket("node-1");
const dir = mkdtempSync(path.join(tmpdir(), "homedock-bench-swarm-"));
const homedock = [process.execPath, path.join(repo, "dist/src/cli/cli.js")];
// This machine's engine for the single hosts; the config is named on the command line.
const { DOCKER_HOST: _host, HOMEDOCK_CONFIG: _config, ...base } = process.env;
const env: NodeJS.ProcessEnv = { ...base, CHECKPOINT_DISABLE: "1", CI: "1" };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lines = (s: string) => s.split("\n").filter(Boolean);
const loads: number[] = [];
const sampleLoad = () => loads.push(Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]));

function config(name: string, users: number, host: Partial<ConfigInput["host"]>, swarm = false): ConfigInput {
  return {
    host: { name, homeRoot: path.join(rig.homes, name), sharedMounts: [], createHomes: false, ...host },
    ...(swarm ? { swarm: { nodes: SWARM_NODES.map((node) => ({ name: node })) } } : {}),
    environments: [{ name: "py", image, command: ["httpd", "-f", "-p", "8888"], memory: "32m" }],
    users: Array.from({ length: users }, (_, i) => ({ name: `u${i}`, uid: 3000 + i, gid: 3000 + i })),
  };
}

interface Host {
  readonly label: string;
  /** Writes the config of `users` users and deploys it; returns when the commands have. */
  deploy(users: number): void;
  /** The ids of the workspaces that run now (containers, or Swarm tasks). */
  running(): string[];
  /** Nothing of the host left but its homes. */
  reset(): Promise<void>;
  /** After a deploy that changed something: what makes the host settled again (untimed). */
  settle?(users: number): void;
}

/** A host's directory, with its homes (users u0.. as deploy-50's, `count` of them) on the rig's shared directory. */
function hostDir(name: string, count: number): string {
  const home = path.join(rig.homes, name);
  for (let i = 0; i < count; i++) {
    mkdirSync(path.join(home, `u${i}`), { recursive: true, mode: 0o700 });
    chownSync(path.join(home, `u${i}`), 3000 + i, 3000 + i);
  }
  const d = path.join(dir, name);
  mkdirSync(d);
  return d;
}

function swarmHost(count: number): Host {
  const name = "hdbswarm";
  const cwd = hostDir(name, count);
  const file = path.join(cwd, "homedock.yaml");
  const onManager = { cwd, env: { ...env, DOCKER_HOST: manager } };
  const stack = (...args: string[]) => spawnSync("docker", ["-H", manager, "stack", ...args], { encoding: "utf8" });
  return {
    label: "Swarm of 3 nodes: `homedock swarm deploy`",
    deploy(users) {
      writeFileSync(file, JSON.stringify(config(name, users, {}, true)));
      timedMs(homedock[0], [...homedock.slice(1), "swarm", "deploy", "-c", file, "-o", path.join(cwd, "stack.yml")], onManager);
    },
    running() {
      const r = stack("ps", name, "--filter", "desired-state=running", "--format", "{{.ID}} {{.CurrentState}}");
      if (r.status !== 0) {
        if (/nothing found in stack/i.test(r.stderr)) return [];
        throw new Error(`docker stack ps ${name}: ${r.stderr}`);
      }
      return lines(r.stdout)
        .filter((l) => l.split(" ")[1] === "Running")
        .map((l) => l.split(" ")[0]);
    },
    async reset() {
      stack("rm", name);
      // stack rm returns at once: until no service is left, and no container on any node
      const label = `label=com.docker.stack.namespace=${name}`;
      for (let i = 0; ; i++) {
        const left = [lines(await rig.docker("node-1", "service", "ls", "-q", "--filter", label))];
        for (const node of SWARM_NODES) left.push(lines(await rig.docker(node, "ps", "-aq", "--filter", label)));
        if (left.every((ids) => ids.length === 0)) return;
        if (i > 240) throw new Error(`stack ${name} not gone after 2 minutes`);
        await sleep(500);
      }
    },
  };
}

/**
 * Removes the networks `filter` selects; one that Docker 20.10 keeps refusing (an endpoint
 * it kept of a removed container: "has active endpoints", with none listed) is left,
 * said on stderr: it is empty, and every run has a network of its own name.
 */
async function leftNetworks(filter: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return removeNetworks(filter);
    } catch (e) {
      if (i === 2) return void console.error(`left: ${(e as Error).message}`);
      await sleep(1000);
    }
  }
}

/** Workspaces of this machine's engine: running containers of the host. */
const runningContainers = (name: string) =>
  lines(execFileSync("docker", ["ps", "-q", "--no-trunc", "--filter", `label=homedock.host=${name}`, "--filter", "status=running"], { encoding: "utf8" }));

function composeHost(count: number): Host {
  const name = "hdbcompose";
  const cwd = hostDir(name, count);
  const file = path.join(cwd, "homedock.yaml");
  const out = path.join(cwd, "docker-compose.yml");
  // Each run its own network (Docker 20.10 now and then keeps a removed container's endpoint: bench/deploy-50.ts)
  let run = 0;
  return {
    label: "one host: `homedock compose` + `docker compose up -d`",
    deploy(users) {
      writeFileSync(file, JSON.stringify(config(name, users, { network: `${name}-${process.pid}-${run}` })));
      timedMs(homedock[0], [...homedock.slice(1), "compose", "-c", file, "-o", out], { cwd, env });
      timedMs("docker", ["compose", "-f", out, "up", "-d", "--remove-orphans"], { cwd, env });
    },
    running: () => runningContainers(name),
    async reset() {
      removeContainers(`label=homedock.host=${name}`);
      await leftNetworks(`label=com.docker.compose.project=${name}`);
      run++;
    },
  };
}

function terraformHost(count: number, mirrorDir: string): Host {
  const name = "hdbtf";
  const cwd = hostDir(name, count);
  const file = path.join(cwd, "homedock.yaml");
  const cliConfig = path.join(cwd, "cli.tfrc");
  writeFileSync(cliConfig, providerMirrorConfig(mirrorDir));
  let run = 0;
  const host: Host = {
    label: "one host: `homedock deploy` (Terraform)",
    deploy(users) {
      writeFileSync(file, JSON.stringify(config(name, users, { network: `${name}-${process.pid}-${run}` })));
      timedMs(homedock[0], [...homedock.slice(1), "deploy", "--auto-approve"], { cwd, env: { ...env, HOMEDOCK_CONFIG: file, TF_CLI_CONFIG_FILE: cliConfig } });
    },
    running: () => runningContainers(name),
    async reset() {
      removeContainers(`label=homedock.host=${name}`);
      await leftNetworks(`label=homedock.host=${name}`);
      rmSync(path.join(cwd, `terraform.${name}.tfstate`), { force: true });
      rmSync(path.join(cwd, `terraform.${name}.tfstate.backup`), { force: true });
      run++;
    },
    // A deploy that refreshes everything and changes nothing records the host as settled (src/cli/skips.ts).
    settle: (users) => host.deploy(users),
  };
  return host;
}

interface Timing {
  readonly command: number;
  readonly running: number;
}

/** Deploys `users` on `host`: until its commands exit, and until every workspace runs (5 minutes at most). */
async function measure(host: Host, users: number): Promise<Timing> {
  sampleLoad();
  const start = process.hrtime.bigint();
  const since = () => Number(process.hrtime.bigint() - start) / 1e6;
  host.deploy(users);
  const command = since();
  while (host.running().length < users) {
    if (since() > 300_000) throw new Error(`${host.label}: ${users} workspaces not all running after 5 minutes`);
    await sleep(500);
  }
  const running = since();
  sampleLoad();
  // as it goes, on stderr: a run cut short still says what it measured
  console.error(`${host.label}, ${users} users: command ${command.toFixed(0)} ms, running ${running.toFixed(0)} ms, load ${loads.at(-1)}`);
  return { command, running };
}

/** The hosts, made once the rig is up. */
const hosts: Host[] = [];

const fmt = (xs: readonly number[]) => median(xs).toFixed(0);
const runs = (xs: readonly number[]) => xs.map((x) => x.toFixed(0)).join(" / ");

async function main(): Promise<void> {
  // The command as the package runs it: compiled (scripts/build.sh), not through tsx.
  execFileSync("bash", [path.join(repo, "scripts/build.sh")], {
    stdio: "ignore",
    env: { ...process.env, PATH: `${repo}/node_modules/.bin:${process.env.PATH}` },
  });
  await rig.up([image]);
  const count = USERS + RUNS;
  hosts.push(swarmHost(count), composeHost(count), ...(mirror ? [terraformHost(count, mirror)] : []));
  const fresh = new Map(hosts.map((h) => [h, [] as Timing[]]));
  for (const h of hosts) await h.reset();
  for (let i = 0; i < RUNS; i++) {
    for (const h of hosts) {
      fresh.get(h)!.push(await measure(h, USERS));
      await h.reset();
    }
  }
  // All deployed (and Terraform's settled), then no change and one more user, in turn.
  for (const h of hosts) {
    await measure(h, USERS);
    h.settle?.(USERS);
  }
  const same = new Map(hosts.map((h) => [h, [] as Timing[]]));
  const added = new Map(hosts.map((h) => [h, [] as Timing[]]));
  const checks: number[] = [];
  let users = USERS;
  for (let i = 0; i < RUNS; i++) {
    for (const h of hosts) {
      const before = h.running().sort();
      same.get(h)!.push(await measure(h, users));
      const after = h.running().sort();
      if (after.join() !== before.join()) throw new Error(`${h.label}: a deploy with nothing changed restarted workspaces`);
    }
    checks.push(
      timedMs(homedock[0], [...homedock.slice(1), "swarm", "check", "-c", path.join(dir, "hdbswarm", "homedock.yaml")], {
        cwd: dir,
        env: { ...env, DOCKER_HOST: manager },
      }),
    );
    users++;
    for (const h of hosts) {
      added.get(h)!.push(await measure(h, users));
      h.settle?.(users);
    }
  }
  const groups = [
    [`${USERS} workspaces from nothing`, fresh],
    ["a deploy with nothing changed", same],
    ["one user added", added],
  ] as const;
  console.log(`| what | command (ms) | until every workspace runs (ms) | ratio to Compose (until running) |\n| --- | ---: | ---: | ---: |`);
  for (const [what, m] of groups) {
    const compose = median(m.get(hosts[1])!.map((t) => t.running));
    for (const h of hosts) {
      const ts = m.get(h)!;
      const running = median(ts.map((t) => t.running));
      console.log(`| ${h.label}: ${what} | ${fmt(ts.map((t) => t.command))} | ${running.toFixed(0)} | ${(running / compose).toFixed(2)}x |`);
    }
  }
  console.log(`| \`homedock swarm check\` alone (3 nodes) | ${fmt(checks)} | | |`);
  console.log("\nruns (ms, command then running):");
  for (const [what, m] of groups) {
    for (const h of hosts) {
      const ts = m.get(h)!;
      console.log(`${h.label}, ${what}: ${runs(ts.map((t) => t.command))}; ${runs(ts.map((t) => t.running))}`);
    }
  }
  console.log(`swarm check: ${runs(checks)}`);
  console.log(`1-minute load average at the start and end of each measurement: ${Math.min(...loads)}-${Math.max(...loads)}, median ${median(loads)}`);
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const h of hosts) await h.reset().catch((e: unknown) => console.error(e));
    // the Swarm, and every host's homes with it
    await rig.down();
    rmSync(dir, { recursive: true, force: true });
  });
