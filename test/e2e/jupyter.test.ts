// A real Jupyter Notebook server (Debian's python3-notebook, image built by
// scripts/build-jupyter-image.sh) in a workspace brought up through the Compose
// output: used through its REST and kernel APIs, upgraded, and seen in headless
// Chromium. The server's port is published on 127.0.0.1 by a test-only override.
// HOMEDOCK_UPDATE_DOCS=1 also copies the screenshot to docs/.
import { execFile, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/model";
import { type ConfigInput } from "../../src/config/schema";
import { writeCompose } from "../../src/output/output";
import { goto, launchChromium } from "../helpers/browser";
import { docker, dockerStatus, eventually, requireDocker, scenarioRoot, uniqueName } from "../helpers/docker";
import { openSocket, runCode } from "../helpers/kernel";
import { snapshot } from "../helpers/trees";

const exec = promisify(execFile);
const IMAGE = "homedock-test/jupyter:current";
const UID = 2201;
let root: string;
let project: string;
let file: string;
let upgraded: string;
let base = "";
let token = "";

const config = (image: string): ConfigInput => ({
  host: { name: project, homeRoot: `${root}/home`, sharedMounts: [] },
  environments: [{ name: "nb", image, command: ["python3", "-m", "notebook", "--ip=0.0.0.0", "--port=8888", "--no-browser"], memory: "1g" }],
  users: [{ name: "alice", uid: UID, gid: UID }],
});
const envDir = () => `${root}/home/alice/nb`;
const container = () => `${project}-alice.nb`;

async function compose(...args: string[]): Promise<string> {
  const override = path.join(root, "publish.yml");
  const { stdout } = await exec("docker", ["compose", "-f", file, "-f", override, ...args], { maxBuffer: 1 << 24 });
  return stdout;
}

async function up(image: string): Promise<void> {
  writeCompose(buildModel(config(image)), file);
  await compose("up", "-d", "--wait");
  const port = (await compose("port", "alice.nb", "8888")).trim().split(":").pop();
  base = `http://127.0.0.1:${port}`;
  token = /^JUPYTER_TOKEN=(\w+)$/m.exec(readFileSync(path.join(root, "homedock-secrets/alice.nb.env"), "utf8"))![1];
  await eventually("Jupyter answering", async () => (await fetch(`${base}/api/status?token=${token}`).catch(() => undefined))?.ok === true, 60);
}

async function api(method: string, route: string, body?: unknown): Promise<any> {
  const r = await fetch(`${base}${route}`, {
    method,
    headers: { Authorization: `token ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${method} ${route}: ${r.status} ${await r.text()}`);
  return r.status === 204 ? undefined : r.json();
}

/** Runs `code` in a new kernel over the Jupyter messaging protocol; resolves with its stdout. */
async function execute(code: string): Promise<string> {
  const kernel = await api("POST", "/api/kernels", { name: "python3" });
  const ws = await openSocket(`${base.replace("http", "ws")}/api/kernels/${kernel.id}/channels?token=${token}`, {});
  if (typeof ws === "number") throw new Error(`kernel WebSocket refused: ${ws}`);
  try {
    return (await runCode(ws, code)).stdout;
  } finally {
    ws.close();
    await api("DELETE", `/api/kernels/${kernel.id}`);
  }
}

beforeAll(async () => {
  requireDocker();
  if (spawnSync("docker", ["image", "inspect", IMAGE], { stdio: "ignore" }).status !== 0) {
    throw new Error(`${IMAGE} is missing: run scripts/build-jupyter-image.sh (as root)`);
  }
  root = scenarioRoot("jupyter");
  project = uniqueName("hdj");
  file = path.join(root, "docker-compose.yml");
  writeFileSync(path.join(root, "publish.yml"), 'services:\n  alice.nb:\n    ports: ["127.0.0.1::8888"]\n');
  // The upgrade: one more notebook in the seed.
  const build = path.join(root, "v2");
  mkdirSync(build);
  writeFileSync(path.join(build, "Dockerfile"), `FROM ${IMAGE}\nCOPY lesson2.ipynb /home/jovyan/lesson2.ipynb\n`);
  writeFileSync(path.join(build, "lesson2.ipynb"), readFileSync(path.resolve(__dirname, "../../scripts/jupyter/welcome.ipynb")));
  upgraded = `homedock-test/jupyter-v2:${project}`;
  await exec("docker", ["build", "-q", "-t", upgraded, build], { env: { ...process.env, DOCKER_BUILDKIT: "0" } });
  mkdirSync(`${root}/home`);
  await up(IMAGE);
}, 600_000);

afterAll(async () => {
  if (root && existsSync(file)) await compose("down", "-v").catch(() => undefined);
  if (upgraded) await dockerStatus("rmi", upgraded);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("a Jupyter server in a workspace", () => {
  it("runs as the user, from the environment directory, with the seeded notebook", async () => {
    const top = await docker("top", container(), "-eo", "pid,uid,args");
    const server = top.split("\n").find((l) => l.includes("-m notebook"));
    expect(server, top).toBeDefined();
    expect(server!.trim().split(/\s+/)[1]).toBe(String(UID));
    const listing = await api("GET", "/api/contents");
    expect(listing.content.map((c: any) => c.name)).toContain("welcome.ipynb");
    expect(lstatSync(`${envDir()}/welcome.ipynb`).uid).toBe(UID);
  }, 60_000);

  it("answers nobody without its token", async () => {
    expect((await fetch(`${base}/api/contents`)).status).toBe(403);
    expect((await fetch(`${base}/api/contents?token=${"0".repeat(64)}`)).status).toBe(403);
  });

  it("runs a kernel that writes into the environment directory, as the user", async () => {
    const out = await execute('import os\nopen("from-kernel.txt", "w").write("written by the kernel\\n")\nprint(os.getuid(), os.getcwd())');
    expect(out).toBe(`${UID} ${envDir()}\n`);
    expect(readFileSync(`${envDir()}/from-kernel.txt`, "utf8")).toBe("written by the kernel\n");
    expect(lstatSync(`${envDir()}/from-kernel.txt`).uid).toBe(UID);
    // A notebook holding the kernel's output, saved through the server.
    const output = await execute("print(6 * 7)");
    await api("PUT", "/api/contents/analysis.ipynb", {
      type: "notebook",
      content: {
        cells: [
          { cell_type: "code", execution_count: 1, metadata: {}, source: "print(6 * 7)", outputs: [{ output_type: "stream", name: "stdout", text: output }] },
        ],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      },
    });
    expect(lstatSync(`${envDir()}/analysis.ipynb`).uid).toBe(UID);
  }, 120_000);

  it("keeps the notebook, the file and the kernel's output when the image is upgraded", async () => {
    const before = snapshot(
      `${root}/home`,
      (rel) => rel.includes(".homedock") || rel.includes(".ipynb_checkpoints") || rel.includes("/.local") || rel.includes("/.jupyter"),
    );
    const id = (await docker("inspect", "-f", "{{.Id}}", container())).trim();
    await up(upgraded);
    expect((await docker("inspect", "-f", "{{.Id}}", container())).trim()).not.toBe(id);
    const after = snapshot(`${root}/home`);
    for (const [rel, node] of before) expect(after.get(rel), rel).toEqual(node);
    const analysis = await api("GET", "/api/contents/analysis.ipynb");
    expect(analysis.content.cells[0].outputs[0].text).toBe("42\n");
    expect((await api("GET", "/api/contents")).content.map((c: any) => c.name).sort()).toEqual([
      "analysis.ipynb",
      "from-kernel.txt",
      "lesson2.ipynb",
      "welcome.ipynb",
    ]);
  }, 300_000);

  it("is seen in a browser: the file list shows the seeded notebook and the kernel's file", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 620 } });
      await goto(page, `${base}/tree?token=${token}`);
      await page.getByText("from-kernel.txt").waitFor({ timeout: 30_000 });
      const text = await page.locator("#notebook_list").innerText();
      for (const name of ["welcome.ipynb", "lesson2.ipynb", "analysis.ipynb", "from-kernel.txt"]) expect(text).toContain(name);
      const shot = path.join(root, "jupyter-tree.png");
      await page.screenshot({ path: shot });
      expect(lstatSync(shot).size).toBeGreaterThan(10_000);
      if (process.env.HOMEDOCK_UPDATE_DOCS) copyFileSync(shot, path.resolve(__dirname, "../../docs/jupyter-tree.png"));
    } finally {
      await browser.close();
    }
  }, 120_000);
});
