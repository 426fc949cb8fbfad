// Whether the Engine API's one-shot stats (`GET /containers/{id}/stats?stream=false&one-shot=true`,
// API 1.41) would make `homedock status` faster than `docker stats --no-stream`, spoken
// through the docker CLI's own connection (`docker system dial-stdio`, so ssh:// hosts
// would work). On CONTAINERS busybox `sleep` containers made for it (removed at the end):
//   1. one connection, one request after another: how long each one-shot and each plain
//      stream=false request takes, and the engine's `read` time of each sample;
//   2. one connection per container, all one-shot requests at once, two rounds (CPU
//      needs two samples): each round's wall time, the dial-stdio processes' start included;
//   3. `docker stats --no-stream` of the same containers.
//   npx tsx bench/stats-one-shot.ts [containers]   (default 20)
import { type ChildProcessWithoutNullStreams, execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { type HttpResponse, ResponseReader } from "../src/docker/http1";
import { busyboxImage } from "../test/helpers/docker";

const CONTAINERS = Number(process.argv[2] ?? 20);
const label = `homedock.bench=oneshot${process.pid.toString(36)}`;
const image = busyboxImage("status", { "index.html": "hello\n" });

/** One `docker system dial-stdio`, requests one after another. */
class Dialed {
  private readonly child: ChildProcessWithoutNullStreams = spawn("docker", ["system", "dial-stdio"]);
  private readonly reader = new ResponseReader();
  private waiting: ((r: HttpResponse) => void)[] = [];

  constructor() {
    this.child.stdout.on("data", (d: Buffer) => {
      for (const r of this.reader.push(d)) this.waiting.shift()?.(r);
    });
  }

  get(path: string): Promise<HttpResponse> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`GET ${path} HTTP/1.1\r\nHost: docker\r\n\r\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}

const stats = (id: string, query: string) => `/v1.41/containers/${id}/stats?${query}`;
const ms = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

async function main(): Promise<void> {
  const version = JSON.parse(execFileSync("docker", ["version", "--format", "{{json .Server}}"], { encoding: "utf8" }));
  console.log(
    `engine ${version.Version} (API ${version.ApiVersion}), ${CONTAINERS} containers; load average ${execFileSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).split(" ").slice(0, 3).join(" ")}`,
  );
  const ids: string[] = [];
  const run = () => promisify(execFile)("docker", ["run", "-d", "--init", "--label", label, image, "sleep", "100000"]).then((r) => r.stdout.trim());
  for (let i = 0; i < CONTAINERS; i += 10) ids.push(...(await Promise.all(Array.from({ length: Math.min(10, CONTAINERS - i) }, run))));

  const one = new Dialed();
  await one.get("/version");
  for (const query of [
    "stream=false&one-shot=true",
    "stream=false&one-shot=true",
    "stream=false&one-shot=true",
    "stream=false&one-shot=true",
    "stream=false",
    "stream=false",
  ]) {
    const t = process.hrtime.bigint();
    const r = JSON.parse((await one.get(stats(ids[0], query))).body);
    console.log(`1. ${query}: ${ms(t).toFixed(0)} ms, sample read at ${r.read}`);
  }
  one.close();

  const t0 = process.hrtime.bigint();
  const pool = ids.map(() => new Dialed());
  await Promise.all(pool.map((c) => c.get("/version")));
  const dialed = ms(t0);
  const round = async () => {
    const t = process.hrtime.bigint();
    const reads = await Promise.all(pool.map(async (c, i) => JSON.parse((await c.get(stats(ids[i], "stream=false&one-shot=true"))).body).read as string));
    return `${ms(t).toFixed(0)} ms (${new Set(reads.map((r) => r.slice(0, 19))).size} distinct read seconds)`;
  };
  const first = await round();
  const second = await round();
  console.log(
    `2. ${CONTAINERS} dial-stdio processes started and answering /version: ${dialed.toFixed(0)} ms; one-shot round 1: ${first}; round 2: ${second}; total ${ms(t0).toFixed(0)} ms`,
  );
  pool.forEach((c) => c.close());

  const t1 = process.hrtime.bigint();
  execFileSync("docker", ["stats", "--no-stream", "--no-trunc", "--format", "{{json .}}", ...ids]);
  console.log(`3. docker stats --no-stream of the same ${CONTAINERS}: ${ms(t1).toFixed(0)} ms`);
}

function cleanUp(): void {
  const left = spawnSync("docker", ["ps", "-a", "-q", "--filter", `label=${label}`], { encoding: "utf8" })
    .stdout.split("\n")
    .filter(Boolean);
  if (left.length > 0) spawnSync("docker", ["rm", "-f", ...left], { stdio: "ignore" });
}

void main().finally(cleanUp);
