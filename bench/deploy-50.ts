// Deploy of 50 workspaces (the real provider, from the mirror in HOMEDOCK_PROVIDER_MIRROR)
// against the floor: `docker run` of the same 50 workspace containers (the model's own
// ContainerSpecs) from a shell loop, 10 at a time. Deploys: `homedock deploy` with homes
// that exist (createHomes: false: the same 50 containers as the floor), `homedock deploy`
// and `cdktf deploy` with the default home one-shots (one per home image, eight above 16
// users: here eight for the 50, as every user's first environment is the same). All sides alternate, each from
// nothing, median of 5. homedock is the compiled command, as the package runs it. Then,
// on the deployed host after a deploy that changed nothing (as a host deployed before
// is): `terraform plan` and `homedock plan` with nothing to change, `homedock deploy`
// with nothing to change, and a deploy that adds one user; homedock's each also with
// TF_VAR_ set, which plans everything (without a refresh), side by side.
//   HOMEDOCK_PROVIDER_MIRROR=... npm run bench:deploy [-- runs]
import { execFileSync } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { buildModel } from "../src/model/model";
import { type ConfigInput } from "../src/config/schema";
import { type ContainerSpec, workspaceContainer } from "../src/container/container";
import { busyboxImage, dockerRunArgs, providerMirrorConfig } from "../test/helpers/docker";
import { removeContainers, removeNetworks, timedMs } from "./single-host";

const mirror = process.env.HOMEDOCK_PROVIDER_MIRROR;
if (!mirror) {
  console.log("deploy benchmark skipped: set HOMEDOCK_PROVIDER_MIRROR to a Terraform filesystem mirror holding kreuzwerker/docker 4.5.0");
  process.exit(0);
}
const RUNS = Number(process.argv[2] ?? 5);
const repo = path.resolve(__dirname, "..");
const image = busyboxImage("seed-v1", { "welcome.txt": "hello from the image\n", "lib/helper.py": "print('hi')\n", ".cache/big": "skip me\n" });
const dir = mkdtempSync(path.join(tmpdir(), "homedock-bench-deploy-"));
const home = path.join(dir, "home");
const NAME = "hdbench";

// Each run its own network: Docker 20.10 now and then keeps a removed container's
// endpoint, and then refuses to remove (or create again) a network of that name.
let network = `${NAME}-0`;
let runs = 0;

function config(users: number, createHomes = true): ConfigInput {
  return {
    host: { name: NAME, homeRoot: home, sharedMounts: [], createHomes, network },
    environments: [{ name: "py", image, command: ["httpd", "-f", "-p", "8888"], memory: "32m" }],
    users: Array.from({ length: users }, (_, i) => ({ name: `u${i}`, uid: 3000 + i, gid: 3000 + i })),
  };
}

const env = {
  ...process.env,
  TF_CLI_CONFIG_FILE: path.join(dir, "cli.tfrc"),
  HOMEDOCK_CONFIG: path.join(dir, "homedock.yaml"),
  CHECKPOINT_DISABLE: "1",
  CI: "1",
};

function timed(cmd: string, args: string[], cwd = dir, extra: NodeJS.ProcessEnv = {}): number {
  return timedMs(cmd, args, { cwd, env: { ...env, ...extra } });
}

/** No containers, network or state of the benchmark's host left; homes are kept (they exist on a real host). */
function reset(): void {
  removeContainers(`label=homedock.host=${NAME}`);
  removeNetworks(`label=homedock.host=${NAME}`);
  network = `${NAME}-${++runs}`;
  rmSync(path.join(dir, `terraform.${NAME}.tfstate`), { force: true });
  rmSync(path.join(dir, `terraform.${NAME}.tfstate.backup`), { force: true });
}

/** Writes the config, then deploys it with `cmd`; the time taken. */
function deploy(cmd: string[], c: ConfigInput, extra: NodeJS.ProcessEnv = {}): number {
  writeFileSync(env.HOMEDOCK_CONFIG, JSON.stringify(c));
  return timed(cmd[0], cmd.slice(1), dir, extra);
}

function floorScript(specs: ContainerSpec[]): string {
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const lines = specs.map((spec) => `${["docker", "run", "-d", ...dockerRunArgs(spec, spec.network)].map(quote).join(" ")} >/dev/null`);
  // 10 at a time: each batch in the background, then wait.
  const batches: string[] = [];
  for (let i = 0; i < lines.length; i += 10)
    batches.push(
      `${lines
        .slice(i, i + 10)
        .map((l) => `${l} &`)
        .join("\n")}\nwait`,
    );
  return `set -e\ndocker network create --label homedock.host=${NAME} ${specs[0].network} >/dev/null\n${batches.join("\n")}\n`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  writeFileSync(env.TF_CLI_CONFIG_FILE, providerMirrorConfig(mirror));
  writeFileSync(
    path.join(dir, "cdktf.json"),
    JSON.stringify({ language: "typescript", app: `${repo}/node_modules/.bin/tsx ${repo}/main.ts`, projectId: "homedock-bench", sendCrashReports: "false" }),
  );
  const homes = buildModel(config(50));
  for (const user of homes.users) {
    mkdirSync(user.home, { recursive: true, mode: 0o700 });
    chownSync(user.home, user.uid, user.gid);
  }
  // The floor runs the workspaces of a host whose homes exist, on this run's network.
  const floorRun = () => {
    const model = buildModel(config(50, false));
    writeFileSync(path.join(dir, "floor.sh"), floorScript(model.workspaces.map((w) => workspaceContainer(model, w))));
    return timed("sh", [path.join(dir, "floor.sh")]);
  };
  // The command as the package runs it: compiled (scripts/build.sh), not through tsx.
  execFileSync("bash", [path.join(repo, "scripts/build.sh")], {
    stdio: "ignore",
    env: { ...process.env, PATH: `${repo}/node_modules/.bin:${process.env.PATH}` },
  });
  const homedock = [process.execPath, path.join(repo, "dist/src/cli/cli.js"), "deploy", "--auto-approve"];
  const cdktf = [`${repo}/node_modules/.bin/cdktf`, "deploy", "--auto-approve", "--skip-provider-lock"];
  const sides: { short: string; label: string; run: () => number; ms: number[] }[] = [
    { short: "homes exist", label: "homedock deploy, homes exist (createHomes: false): 50 workspaces", run: () => deploy(homedock, config(50, false)), ms: [] },
    { short: "floor", label: "floor: docker run of the same 50 workspaces, 10 at a time", run: floorRun, ms: [] },
    {
      short: "homedock default",
      label: "homedock deploy, default: 8 home one-shots (50 homes) + 50 workspaces",
      run: () => deploy(homedock, config(50)),
      ms: [],
    },
    { short: "cdktf default", label: "cdktf deploy, default: 8 home one-shots (50 homes) + 50 workspaces", run: () => deploy(cdktf, config(50)), ms: [] },
  ];
  reset();
  for (let i = 0; i < RUNS; i++) {
    for (const side of sides) {
      side.ms.push(side.run());
      reset();
    }
  }
  // The deployed host, settled: a second deploy refreshes everything, changes nothing,
  // and records it (src/cli/skips.ts), as on a host that has been deployed before.
  deploy(homedock, config(50));
  deploy(homedock, config(50));
  const stack = path.join(dir, "cdktf.out/stacks", NAME);
  const homedockPlan = [...homedock.slice(0, -2), "plan"];
  // Each twice: as homedock runs them, and with TF_VAR_ set in the environment, which
  // keeps the refresh skipped but plans everything (what homedock did before it planned
  // only what the config changed).
  const everything = { TF_VAR_homedock_bench: "1" };
  const quiet = {
    plans: [] as number[],
    homedockPlans: [] as number[],
    homedockPlansAll: [] as number[],
    deploys: [] as number[],
    deploysAll: [] as number[],
    adds: [] as number[],
    addsAll: [] as number[],
  };
  let users = 50;
  /** One more user on the settled host, deployed; then a deploy that refreshes and records again. */
  const addOne = (extra: NodeJS.ProcessEnv = {}) => {
    const user = `u${users}`;
    mkdirSync(path.join(home, user), { mode: 0o700 });
    chownSync(path.join(home, user), 3000 + users, 3000 + users);
    const ms = deploy(homedock, config(++users), extra);
    deploy(homedock, config(users));
    return ms;
  };
  for (let i = 0; i < RUNS; i++) {
    quiet.plans.push(timed("terraform", ["plan", "-input=false", "-detailed-exitcode"], stack));
    quiet.homedockPlans.push(deploy(homedockPlan, config(users)));
    quiet.homedockPlansAll.push(deploy(homedockPlan, config(users), everything));
    quiet.deploys.push(deploy(homedock, config(users)));
    quiet.adds.push(addOne());
    // A deploy with TF_VAR_ set may change the state: it leaves no settled stack, and
    // the deploy after it plans everything (addOne's second deploy settles it again).
    quiet.deploysAll.push(deploy(homedock, config(users), everything));
    quiet.addsAll.push(addOne(everything));
  }
  const floor = median(sides[1].ms);
  console.log("| what | median (ms) | ratio to the floor |\n| --- | ---: | ---: |");
  for (const side of sides) console.log(`| ${side.label} | ${median(side.ms).toFixed(0)} | ${(median(side.ms) / floor).toFixed(2)}x |`);
  console.log(`| terraform plan with nothing to change (a full refresh) | ${median(quiet.plans).toFixed(0)} | |`);
  console.log(`| homedock plan with nothing to change | ${median(quiet.homedockPlans).toFixed(0)} | |`);
  console.log(`| homedock plan with nothing to change, everything planned (TF_VAR_ set) | ${median(quiet.homedockPlansAll).toFixed(0)} | |`);
  console.log(`| homedock deploy with nothing to change | ${median(quiet.deploys).toFixed(0)} | |`);
  console.log(`| homedock deploy with nothing to change, everything planned (TF_VAR_ set) | ${median(quiet.deploysAll).toFixed(0)} | |`);
  console.log(`| homedock deploy adding one user | ${median(quiet.adds).toFixed(0)} | |`);
  console.log(`| homedock deploy adding one user, everything planned (TF_VAR_ set) | ${median(quiet.addsAll).toFixed(0)} | |`);
  console.log(`\nruns (ms): ${sides.map((s) => `${s.short}: ${s.ms.map((x) => x.toFixed(0)).join(", ")}`).join("; ")}`);
  console.log(
    Object.entries(quiet)
      .map(([k, xs]) => `${k}: ${xs.map((x) => x.toFixed(0)).join(", ")}`)
      .join("; "),
  );
} finally {
  reset();
  rmSync(dir, { recursive: true, force: true });
}
