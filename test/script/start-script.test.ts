// The start of a root container (src/render/terraform.ts: START_SCRIPT), as Terraform's
// local-exec runs it (`/bin/sh -c`), under dash, busybox ash and bash, with a stand-in
// `docker` on PATH that writes down each call and the Docker variables it was given:
// the limit first, then the start; the engine the provider would use; its status.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { START_SCRIPT } from "../../src/render/terraform";

const dir = mkdtempSync(path.join(tmpdir(), "homedock-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log = path.join(dir, "calls");
writeFileSync(
  path.join(dir, "docker"),
  [
    "#!/bin/sh",
    `printf '%s|host=%s|context=%s|tls=%s|certs=%s\\n' "$*" "\${DOCKER_HOST-unset}" "\${DOCKER_CONTEXT-unset}" "\${DOCKER_TLS_VERIFY-unset}" "\${DOCKER_CERT_PATH-unset}" >>${log}`,
    'case $1 in update) exit "${FAKE_UPDATE:-0}" ;; start) [ "$2" != --attach ] || echo "the one-shot says hi" >&2; exit "${FAKE_START:-0}" ;; esac',
    "",
  ].join("\n"),
  { mode: 0o755 },
);

const SHELLS = [
  ["dash", ["/usr/bin/dash", "-c"]],
  ["busybox ash", ["/bin/busybox", "sh", "-c"]],
  ["bash", ["/bin/bash", "--posix", "-c"]],
] as const;

function start(argv: readonly string[], env: Record<string, string>): { status: number | null; stderr: string; calls: string[] } {
  rmSync(log, { force: true });
  const r = spawnSync(argv[0], [...argv.slice(1), START_SCRIPT], {
    env: { PATH: `${dir}:/usr/bin:/bin`, HOMEDOCK_CONTAINER: "c0ffee", HOMEDOCK_PIDS_LIMIT: "64", HOMEDOCK_WAIT: "0", ...env },
    encoding: "utf8",
    // Not a socket: bash takes a socket on its standard input for rshd's, and reads ~/.bashrc.
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { status: r.status, stderr: r.stderr, calls: existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [] };
}

describe.each(SHELLS)("the start of a root container, under %s", (_, argv) => {
  it("gives the container its process limit, then starts it, on the local socket when nothing says otherwise", () => {
    expect(start(argv, {})).toEqual({
      status: 0,
      stderr: "",
      calls: [
        "update --pids-limit 64 c0ffee|host=unix:///var/run/docker.sock|context=unset|tls=unset|certs=unset",
        "start c0ffee|host=unix:///var/run/docker.sock|context=unset|tls=unset|certs=unset",
      ],
    });
  });

  it("waits for a one-shot: its output and its exit status are the start's", () => {
    const r = start(argv, { HOMEDOCK_WAIT: "1", FAKE_START: "3" });
    expect(r).toEqual({
      status: 3,
      stderr: "the one-shot says hi\n",
      calls: [expect.stringMatching(/^update --pids-limit 64 c0ffee\|/), expect.stringMatching(/^start --attach c0ffee\|/)],
    });
  });

  it("starts nothing when the limit could not be set", () => {
    const r = start(argv, { FAKE_UPDATE: "1" });
    expect([r.status, r.calls.map((c) => c.split("|")[0])]).toEqual([1, ["update --pids-limit 64 c0ffee"]]);
  });

  it("reaches the engine the provider does: DOCKER_HOST, else the context (which wins, as in the provider), TLS where certificates are given", () => {
    const engine = (env: Record<string, string>) => start(argv, env).calls.map((c) => c.split("|").slice(1).join("|"));
    expect(engine({ DOCKER_HOST: "ssh://admin@lab" })).toEqual(Array(2).fill("host=ssh://admin@lab|context=unset|tls=unset|certs=unset"));
    expect(engine({ DOCKER_HOST: "tcp://lab:2376", DOCKER_CONTEXT: "lab" })).toEqual(Array(2).fill("host=unset|context=lab|tls=unset|certs=unset"));
    expect(engine({ DOCKER_HOST: "tcp://lab:2376", DOCKER_CERT_PATH: "/etc/certs" })).toEqual(
      Array(2).fill("host=tcp://lab:2376|context=unset|tls=1|certs=/etc/certs"),
    );
    // The provider ignores DOCKER_TLS_VERIFY; without certificates it speaks plain TCP.
    expect(engine({ DOCKER_HOST: "tcp://lab:2375", DOCKER_TLS_VERIFY: "1" })).toEqual(Array(2).fill("host=tcp://lab:2375|context=unset|tls=unset|certs=unset"));
  });

  it("refuses what the provider reads and the docker command does not, before any call", () => {
    for (const variable of ["DOCKER_CA_MATERIAL", "DOCKER_CERT_MATERIAL", "DOCKER_KEY_MATERIAL", "DOCKER_SSH_OPTS"]) {
      const r = start(argv, { [variable]: "x" });
      expect([variable, r.status, r.calls]).toEqual([variable, 1, []]);
      expect(r.stderr).toContain("which the docker CLI that starts the root containers does not read: use DOCKER_CERT_PATH, or ~/.ssh/config");
    }
  });
});

describe("the start script", () => {
  it("is POSIX sh that shellcheck passes", () => {
    const r = spawnSync("shellcheck", ["-s", "sh", "-"], { input: START_SCRIPT, encoding: "utf8" });
    expect([r.status, r.stdout]).toEqual([0, ""]);
  });
});
