// The rendered Caddyfile as the real Caddy reads it: `caddy adapt --validate`, what
// `caddy validate` runs (Debian's caddy 2.6.2, installed by scripts/setup-host.sh), for
// each TLS mode and a locked-out user.
import { spawn, spawnSync } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { promisify } from "node:util";
import { execFile } from "node:child_process";

const execFileAsync = promisify(execFile);
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/model";
import { renderCaddyfile } from "../../src/render/caddyfile";
import { dockerFilterCaddyfile } from "../../src/container/docker-filter";
import { frontDoorConfig } from "../helpers/synth";

const work = mkdtempSync(path.join(tmpdir(), "homedock-caddy-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const hashes = { alice: `$2b$12$${"A".repeat(53)}`, carol: `$2a$14$${"C".repeat(53)}` };

// [mode, frontDoor keys, validate: provision every module too (with tls files, that
// loads the certificate from the proxy's mount, which is not here: adapted only)]
const modes: [string, object, boolean][] = [
  ["internal", {}, true],
  ["acme", { tls: "acme", email: "admin@example.org" }, true],
  ["files", { tls: "files", certFile: "/etc/ssl/lab.pem", keyFile: "/etc/ssl/lab.key" }, false],
  ["internal, an IPv4 site on the default ports", { site: "192.0.2.10", httpsPort: 443, httpPort: 80 }, true],
];

describe("caddy validate", () => {
  it.each(modes)("accepts the Caddyfile with tls %s (bob has no password)", (_, frontDoor, validate) => {
    const config = frontDoorConfig();
    const model = buildModel({ ...config, frontDoor: { ...config.frontDoor!, ...frontDoor } });
    const file = path.join(work, `Caddyfile-${model.frontDoor!.tls.mode}-${model.frontDoor!.site}`);
    writeFileSync(file, renderCaddyfile(model, hashes));
    const r = spawnSync("caddy", ["adapt", "--config", file, "--adapter", "caddyfile", ...(validate ? ["--validate"] : [])], {
      encoding: "utf8",
      env: { ...process.env, HOME: work, XDG_DATA_HOME: work, XDG_CONFIG_HOME: work },
    });
    expect(r.error, "caddy is not installed: run scripts/setup-host.sh").toBeUndefined();
    expect(r.stderr + (r.status === 0 ? "" : r.stdout)).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.admin).toEqual({ disabled: true });
  });

  it("accepts the links that do not name the user (/user-redirect/), for an environment whose name has a dash", () => {
    const config = frontDoorConfig();
    const model = buildModel({ ...config, environments: config.environments.map((e) => (e.name === "nb" ? { ...e, name: "r-intro_2" } : e)) });
    const text = renderCaddyfile(model, hashes);
    expect(text).toContain("\t\t\tvars_regexp redirect_r-intro_2 {http.request.uri} ^/user-redirect/r-intro_2(?:/([^?]*))?(\\?.*)?$");
    const file = path.join(work, "Caddyfile-redirect");
    writeFileSync(file, text);
    const r = spawnSync("caddy", ["adapt", "--config", file, "--adapter", "caddyfile", "--validate"], {
      encoding: "utf8",
      env: { ...process.env, HOME: work, XDG_DATA_HOME: work, XDG_CONFIG_HOME: work },
    });
    expect(r.stderr + (r.status === 0 ? "" : r.stdout)).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    const adapted = r.stdout;
    // Adapted as a vars matcher on the session's user and a regexp on the raw URI, the redirect after the session check.
    expect(adapted).toContain('"vars":{"{homedock_user}":["alice","carol"]}');
    expect(adapted).toContain(
      '"vars_regexp":{"{http.request.uri}":{"name":"redirect_r-intro_2","pattern":"^/user-redirect/r-intro_2(?:/([^?]*))?(\\\\?.*)?$"}}',
    );
    expect(adapted.indexOf('"uri":"/oauth2/auth"')).toBeLessThan(adapted.indexOf("/user/{homedock_user}/r-intro_2/"));
  });

  /** `caddy adapt --validate` of `text`; the adapted JSON. */
  function adapt(name: string, text: string): string {
    const file = path.join(work, name);
    writeFileSync(file, text);
    const r = spawnSync("caddy", ["adapt", "--config", file, "--adapter", "caddyfile", "--validate"], {
      encoding: "utf8",
      env: { ...process.env, HOME: work, XDG_DATA_HOME: work, XDG_CONFIG_HOME: work },
    });
    expect(r.stderr + (r.status === 0 ? "" : r.stdout)).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    return r.stdout;
  }

  it("accepts the wake route of workspaces that stop when idle, and the Docker API filter's own Caddyfile", () => {
    const config = frontDoorConfig();
    const model = buildModel({ ...config, host: { ...config.host, defaults: { idleTimeout: 600 } } });
    const adapted = adapt("Caddyfile-idle", renderCaddyfile(model, hashes));
    // The error routes: a start through the filter's socket, for the user whose route the session check let the request reach.
    expect(adapted).toContain('"errors":{"routes":');
    expect(adapted).toContain('"uri":"/containers/lab-alice.py/start?"');
    expect(adapted).toContain('"vars":{"homedock_reached":["alice"]}');
    expect(adapted).toContain('"dial":"unix//run/homedock-docker/api.sock"');
    const filter = adapt("Caddyfile-filter", dockerFilterCaddyfile(model));
    expect(filter).toContain("^/containers/(lab-alice\\\\.py|lab-alice\\\\.nb|lab-bob\\\\.py|lab-carol\\\\.py|lab-carol\\\\.nb)/start$");
    expect(filter).toContain('"dial":"unix//var/run/docker.sock"');
  });
});

describe("the session cookie on its way to a workspace", () => {
  it("is taken out of the Cookie header by the line the Caddyfile has, the workspace's own cookies left as they were (caddy run)", async () => {
    const line = renderCaddyfile(buildModel(frontDoorConfig()), hashes)
      .split("\n")
      .find((l) => l.includes("header_up Cookie"))!
      .trim();
    const ports = [19301 + (process.pid % 500), 19302 + (process.pid % 500)];
    const file = path.join(work, "Caddyfile-cookie");
    writeFileSync(
      file,
      [
        "{",
        "\tadmin off",
        "\tauto_https off",
        "}",
        `http://127.0.0.1:${ports[0]} {`,
        `\treverse_proxy 127.0.0.1:${ports[1]} {`,
        `\t\t${line}`,
        "\t}",
        "}",
        `http://127.0.0.1:${ports[1]} {`,
        '\trespond "[{header.Cookie}]"',
        "}",
        "",
      ].join("\n"),
    );
    const caddy = spawn("caddy", ["run", "--config", file, "--adapter", "caddyfile"], {
      env: { ...process.env, HOME: work, XDG_DATA_HOME: work, XDG_CONFIG_HOME: work },
      stdio: "ignore",
    });
    try {
      const seen = async (cookie: string) => {
        for (let i = 0; i < 100; i++) {
          const r = await fetch(`http://127.0.0.1:${ports[0]}/`, { headers: { Cookie: cookie } }).catch(() => undefined);
          if (r !== undefined) return r.text();
          await new Promise((res) => setTimeout(res, 100));
        }
        throw new Error("caddy did not answer");
      };
      expect(await seen("_xsrf=2|abc; __Host-homedock=SESSION; __Host-homedock_1=MORE; username-x=y")).toBe("[_xsrf=2|abc; username-x=y]");
      expect(await seen("__Host-homedock=SESSION")).toBe("[]");
      expect(await seen("_xsrf=2|abc")).toBe("[_xsrf=2|abc]");
    } finally {
      caddy.kill();
    }
  });
});

describe("the wake route, run by the real Caddy 2.6.2 (caddy run)", () => {
  /**
   * The rendered Caddyfile of an idle host on this machine: its site on `port`, the socket
   * tree and the Docker API filter's socket in `dir`. The session check, where `check` is
   * given, is a stand-in on 127.0.0.1:4180 that lets every request in as alice.
   */
  async function wakeRig(dir: string, port: number, check: boolean): Promise<{ starts: string[]; log: () => string; stop: () => Promise<void> }> {
    const config = frontDoorConfig();
    const model = buildModel({ ...config, host: { ...config.host, defaults: { idleTimeout: 600 } } });
    const text = renderCaddyfile(model, hashes)
      .replaceAll("https://lab.example.org {", `https://lab.example.org:${port} {`)
      // The site alone: not the redirect from port 80.
      .replace(/\nhttp:\/\/lab\.example\.org \{\n[\s\S]*$/, "\n")
      .replaceAll("unix//run/homedock-docker/api.sock", `unix/${dir}/filter.sock`)
      .replaceAll("unix//run/homedock/", `unix/${dir}/run/`)
      // The login's containers, by name on their network there, on this machine's loopback here.
      .replaceAll("lab-login:4180", "127.0.0.1:4180")
      .replaceAll("lab-signin:4181", "127.0.0.1:4181");
    const file = path.join(dir, "Caddyfile");
    writeFileSync(file, text);
    const starts: string[] = [];
    const filter = createHttpServer((req, res) => {
      starts.push(`${req.method} ${req.url}`);
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => filter.listen(path.join(dir, "filter.sock"), resolve));
    const session = createHttpServer((_req, res) => res.writeHead(202, { "X-Auth-Request-User": "alice" }).end());
    if (check) await new Promise<void>((resolve) => session.listen(4180, "127.0.0.1", resolve));
    const log = openSync(path.join(dir, "caddy.log"), "w");
    const caddy = spawn("caddy", ["run", "--config", file, "--adapter", "caddyfile"], {
      env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
      stdio: ["ignore", "ignore", log],
    });
    return {
      starts,
      log: () => readFileSync(path.join(dir, "caddy.log"), "utf8"),
      stop: async () => {
        caddy.kill();
        // Caddy keeps its connections to them open.
        filter.closeAllConnections();
        session.closeAllConnections();
        await new Promise((r) => filter.close(r));
        if (check) await new Promise((r) => session.close(r));
      },
    };
  }

  /** A page load of alice's stopped workspace, as Chromium makes it, with `headers` besides; the status (0: no answer). Not spawnSync: the stand-ins answer in this process. */
  async function pageLoad(port: number, headers: Record<string, string>): Promise<number> {
    const args = [
      "-sk",
      "-m",
      "10",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "--resolve",
      `lab.example.org:${port}:127.0.0.1`,
      "-H",
      "Sec-Fetch-Mode: navigate",
      "-H",
      "Sec-Fetch-Dest: document",
      ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
      `https://lab.example.org:${port}/user/alice/py/`,
    ];
    const r = await execFileAsync("curl", args).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? "0" }));
    return Number(r.stdout);
  }

  /** Until Caddy answers on `port` (a request for the site's root: no page load of a workspace, no start). */
  async function answering(port: number): Promise<void> {
    const root = () =>
      execFileAsync("curl", ["-sk", "-m", "5", "-o", "/dev/null", "--resolve", `lab.example.org:${port}:127.0.0.1`, `https://lab.example.org:${port}/`]).then(
        () => true,
        () => false,
      );
    for (let i = 0; i < 100 && !(await root()); i++) await new Promise((r) => setTimeout(r, 100));
  }

  it("starts nothing when the login cannot be reached, whatever identity the client claims; starts alice's when her session check lets her in", async () => {
    const dir = mkdtempSync(path.join(work, "wake-"));
    const port = 19701 + (process.pid % 200);
    const down = await wakeRig(dir, port, false);
    try {
      await answering(port);
      // Neither the session check nor the sign-in answers: an error, and the error routes run with the client's headers.
      for (const forged of [{ "X-Auth-Request-User": "alice" }, { "X-Auth-Request-Email": "alice" }, {}] as Record<string, string>[]) {
        expect(await pageLoad(port, forged)).not.toBe(200);
      }
      expect(down.starts).toEqual([]);
    } finally {
      await down.stop();
    }
    // The same page load with a session check that lets alice in, her server stopped (no socket): her workspace is started.
    const up = await wakeRig(mkdtempSync(path.join(work, "wake-")), port + 200, true);
    try {
      await answering(port + 200);
      expect(await pageLoad(port + 200, {}), up.log().slice(-3000)).toBe(200);
      // And only through the wake route: Caddy's own root answered without one.
      expect(up.starts).toEqual(["POST /containers/lab-alice.py/start"]);
    } finally {
      await up.stop();
    }
  });
});
