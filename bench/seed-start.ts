// Start overhead of the seeder when nothing is new, against a Plasma-style start
// (`cp -r --no-clobber` of the seed, then `chown -R` of the whole directory), on the
// same trees of 1k / 10k / 100k user files. Both sides run alternately, several
// times; the medians and their ratio are printed as a Markdown table.
//   npm run bench:seed [-- runs]
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const UID = 4343;
const RUNS = Number(process.argv[2] ?? 7);
const SIZES = [1_000, 10_000, 100_000];

function timed(argv: string[], env: NodeJS.ProcessEnv = process.env): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.toString()}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function tree(dir: string, files: number): void {
  for (let d = 0; d < files / 100; d++) {
    const sub = path.join(dir, `project-${d}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(path.join(sub, `notebook-${f}.ipynb`), "{}\n");
  }
}

const root = mkdtempSync(path.join(tmpdir(), "homedock-bench-"));
chmodSync(root, 0o755);
try {
  const seed = path.join(root, "seed");
  tree(seed, 100);
  writeFileSync(path.join(seed, "welcome.ipynb"), "{}\n");
  // The seeder runs as another uid, which may not read the checkout (a clone under /root).
  const seeder = path.join(root, "entrypoint.sh");
  copyFileSync(path.resolve(__dirname, "../src/container/seed/entrypoint.sh"), seeder);
  chmodSync(seeder, 0o644);
  const env = { PATH: "/usr/bin:/bin", HOMEDOCK_SEED_DIR: seed };
  const asUser = ["/usr/bin/setpriv", `--reuid=${UID}`, `--regid=${UID}`, "--clear-groups"];
  const floor = median(Array.from({ length: RUNS }, () => timed([...asUser, "/bin/sh", "-c", "exec true"], env)));
  console.log(`| user files | homedock seeder, nothing new (ms) | Plasma-style cp -rn + chown -R (ms) | ratio |`);
  console.log(`| ---: | ---: | ---: | ---: |`);
  for (const size of SIZES) {
    const home = path.join(root, `home-${size}`);
    const envDir = path.join(home, "env");
    const plasmaDir = path.join(root, `plasma-${size}`);
    tree(envDir, size);
    tree(plasmaDir, size);
    spawnSync("chown", ["-R", `${UID}:${UID}`, home]);
    spawnSync("chown", ["-R", `${UID}:${UID}`, plasmaDir]);
    chownSync(home, UID, UID);
    const seederEnv = { ...env, HOMEDOCK_ENV_DIR: envDir };
    const seederStart = [...asUser, "/bin/sh", seeder, "true"];
    timed(seederStart, seederEnv); // the first start seeds; the ones measured find nothing new
    const plasma = ["/bin/sh", "-c", `cp -r --no-clobber "$1/." "$2/" && chown -R ${UID}:${UID} "$2"`, "plasma", seed, plasmaDir];
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(timed(seederStart, seederEnv));
      theirs.push(timed(plasma));
    }
    const a = median(ours);
    const b = median(theirs);
    console.log(`| ${size.toLocaleString("en")} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(0)}x |`);
  }
  console.log(`\nmedian of ${RUNS} alternating runs each; spawning \`sh -c 'exec true'\` as the user alone: ${floor.toFixed(1)} ms`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
