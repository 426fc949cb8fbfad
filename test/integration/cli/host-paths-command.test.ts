// validate and compose warn of host paths Docker would refuse to bind, deploy refuses
// them before anything is written or run: where this machine is the Docker host.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../../..");
const work = mkdtempSync(path.join(tmpdir(), "homedock-host-paths-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the commands", () => {
  const dir = mkdtempSync(path.join(work, "cli-"));
  const file = path.join(dir, "homedock.yaml");
  // alice in the home root, bob with a home of his own elsewhere, one shared mount: none of them there.
  writeFileSync(
    file,
    JSON.stringify({
      host: { name: "lab", homeRoot: `${dir}/homes`, sharedMounts: [{ source: `${dir}/data` }] },
      environments: [{ name: "py", image: "lab/py:1", command: ["jupyter", "notebook"] }],
      users: [
        { name: "alice", uid: 1001, gid: 1001 },
        { name: "bob", uid: 1002, gid: 1002, home: `${dir}/other/bob` },
      ],
    }),
  );
  const cli = (args: string[], env: Record<string, string> = {}) => {
    const { DOCKER_HOST: _, HOMEDOCK_CONFIG: __, ...rest } = process.env;
    return spawnSync(path.join(root, "node_modules/.bin/tsx"), [path.join(root, "src/cli/cli.ts"), ...args], {
      cwd: dir,
      env: { ...rest, ...env },
      encoding: "utf8",
    });
  };

  it("validate warns, naming each path, and exits 0", () => {
    const r = cli(["validate", "-c", file]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`warning: host.homeRoot: got "${dir}/homes"; expected a directory on the Docker host`);
    expect(r.stdout).toContain(`warning: host.sharedMounts[0].source: got "${dir}/data"`);
  });

  it("deploy refuses before anything is written or run", () => {
    const r = cli(["deploy", "-c", file, "--auto-approve"], { TERRAFORM_BINARY_NAME: path.join(dir, "no-terraform-needed") });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      `${file}: host.homeRoot: got "${dir}/homes"; expected a directory on the Docker host (this machine): missing homes are created in it`,
      `${file}: users[1].home: got "${dir}/other/bob"; expected a home whose parent directory ${dir}/other exists on the Docker host (this machine)`,
      `${file}: host.sharedMounts[0].source: got "${dir}/data"; expected a directory that exists on the Docker host (this machine)`,
    ]);
    expect(existsSync(path.join(dir, "cdktf.out"))).toBe(false);
  });

  it("say nothing of paths on a remote Docker host", () => {
    const r = cli(["validate", "-c", file], { DOCKER_HOST: "ssh://admin@lab" });
    expect([r.status, r.stdout.includes("warning:")]).toEqual([0, false]);
  });
});

describe("TLS files that are not on this machine", () => {
  const dir = mkdtempSync(path.join(work, "tls-"));
  const file = path.join(dir, "homedock.yaml");
  writeFileSync(
    file,
    [
      "host: { name: lab }",
      "frontDoor:",
      "  site: lab.example.org",
      "  tls: files",
      `  certFile: ${dir}/lab.pem`,
      `  keyFile: ${dir}/lab.key`,
      "environments: [{ name: py, image: lab/py:1, command: [jupyter, lab], jupyter: server }]",
      "users: [{ name: alice, uid: 1001, gid: 1001 }]",
    ].join("\n"),
  );
  const run = (cmd: string[], env: Record<string, string> = {}) => {
    const { DOCKER_HOST: _, HOMEDOCK_CONFIG: __, ...rest } = process.env;
    return spawnSync(path.join(root, "node_modules/.bin/tsx"), cmd, { cwd: dir, env: { ...rest, ...env }, encoding: "utf8" });
  };
  const refused = [
    `${file}: 5:13: frontDoor.certFile: got "${dir}/lab.pem"; expected a file that exists on the Docker host (this machine)`,
    `${file}: 6:12: frontDoor.keyFile: got "${dir}/lab.key"; expected a file that exists on the Docker host (this machine)`,
  ];
  const cli = path.join(root, "src/cli/cli.ts");

  it.each([
    ["homedock synth", [cli, "synth", "-c", file]],
    ["homedock compose", [cli, "compose", "-c", file]],
    ["homedock deploy", [cli, "deploy", "-c", file, "--auto-approve"]],
    ["homedock validate", [cli, "validate", "-c", file]],
    ["main.ts (cdktf synth)", [path.join(root, "main.ts")]],
  ])("%s refuses the config, each file at its line, and writes nothing", (_, cmd) => {
    const r = run(cmd, { HOMEDOCK_CONFIG: file, TERRAFORM_BINARY_NAME: path.join(dir, "no-terraform-needed") });
    expect([r.status, r.stderr.trim().split("\n")]).toEqual([1, refused]);
    expect(existsSync(path.join(dir, "cdktf.out"))).toBe(false);
    expect(existsSync(path.join(dir, "docker-compose.yml"))).toBe(false);
  });

  it("are not looked for on a remote Docker host", () => {
    const r = run([cli, "validate", "-c", file], { DOCKER_HOST: "ssh://admin@lab" });
    expect(r.status, r.stderr).toBe(0);
  });
});
