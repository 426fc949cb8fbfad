// The front door as rendered: the Caddyfile's routes and logins, the proxy and the
// workspaces in both renderings, secrets kept out of the rendered files, and what
// adding a user changes.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import { ConfigError } from "../../../src/config/issues";
import { escapeHtml, renderCaddyfile } from "../../../src/render/caddyfile";
import { composeFile } from "../../../src/render/compose";
import { DOCKER_FILTER_CONFIG_VARIABLE, DOCKER_FILTER_SOCKET, dockerFilterContainer } from "../../../src/container/docker-filter";
import { lockedOut, PASSWORDS_FILE, readPasswords, writeComposeSecrets, writePassword } from "../../../src/output/secrets";
import { reviewPlan } from "../../../src/review/review";
import { frontDoorConfig, type Json, labels, networkTriggersOf, startsOf, synthHost } from "../../helpers/synth";

const work = mkdtempSync(path.join(tmpdir(), "homedock-frontdoor-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** bcrypt-shaped, one per user: what the renderers must never write into a shared file. */
const hashes: Record<string, string> = {
  alice: `$2b$12$${"A".repeat(53)}`,
  bob: `$2b$12$${"B".repeat(53)}`,
  carol: `$2a$14$${"C".repeat(53)}`,
  dave: `$2b$12$${"D".repeat(53)}`,
};

/** The same hashes as passwords.json holds them, each bound to its user's uid in frontDoorConfig. */
const stored = Object.fromEntries(["alice", "bob", "carol"].map((user, i) => [user, { hash: hashes[user], uid: 2001 + i }]));

const model = buildModel(frontDoorConfig());
const caddyfile = renderCaddyfile(model, hashes);

/** The lines of the block that starts at `opening` (a line ending in "{"), nested blocks included. */
function block(text: string, opening: string): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf(opening);
  expect(start, `no line ${JSON.stringify(opening)}`).toBeGreaterThanOrEqual(0);
  const indent = /^\t*/.exec(opening)![0];
  const end = lines.findIndex((l, i) => i > start && l === `${indent}}`);
  return lines.slice(start, end + 1);
}

describe("the Caddyfile", () => {
  it("puts every workspace route behind the session check, in a block only its owner's session reaches", () => {
    // Every request but the login's own pages is first asked of the session check, which
    // copies the session's identity into the request; the identity is mapped to a user.
    const door = block(caddyfile, "\thandle {");
    // The sign-in (a password login's) through its limiter, which counts wrong passwords.
    const signIn = (indent: string) => [
      `${indent}reverse_proxy lab-signin-limit:4182 {`,
      `${indent}\theader_up -Authorization`,
      `${indent}\theader_up X-Real-IP {remote_host}`,
      `${indent}\theader_down X-Frame-Options DENY`,
      `${indent}\theader_down Content-Security-Policy "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"`,
      `${indent}}`,
    ];
    expect(block(door.join("\n"), "\t\tforward_auth lab-login:4180 {")).toEqual([
      "\t\tforward_auth lab-login:4180 {",
      // Without the query, which may carry Jupyter's _xsrf.
      "\t\t\turi /oauth2/auth?",
      "\t\t\theader_up -Authorization",
      "\t\t\theader_up X-Real-IP {remote_host}",
      "\t\t\tcopy_headers X-Auth-Request-User",
      "\t\t\t@signin status 401",
      "\t\t\thandle_response @signin {",
      ...signIn("\t\t\t\t"),
      "\t\t\t}",
      "\t\t}",
    ]);
    expect(block(door.join("\n"), "\t\tmap {http.request.header.X-Auth-Request-User} {homedock_user} {").slice(1, -1)).toEqual(
      ["alice", "bob", "carol"].map((u) => `\t\t\t${u} ${u}`),
    );
    for (const ws of model.workspaces.filter((w) => w.route !== undefined)) {
      const user = ws.user.name;
      expect(block(caddyfile, `\t\t@user_${user} {`)).toEqual([
        `\t\t@user_${user} {`,
        `\t\t\tpath /user/${user} /user/${user}/*`,
        `\t\t\tvars {homedock_user} ${user}`,
        "\t\t}",
      ]);
      const mine = block(caddyfile, `\t\thandle @user_${user} {`);
      const route = block(mine.join("\n"), `\t\t\thandle ${ws.route!.prefix}* {`);
      expect(route).toContain(`\t\t\t\treverse_proxy unix//run/homedock/${user}/${ws.environment.name}/jupyter.sock {`);
      // Neither credentials nor the session cookie reach the workspace; its pages claim no more of the site.
      expect(route).toContain("\t\t\t\t\theader_up -Authorization");
      expect(route).toContain("\t\t\t\t\theader_down -Service-Worker-Allowed");
      // What the wake route matches: set only where the session check let this user in.
      expect(route[1]).toBe(`\t\t\t\tvars homedock_reached ${user}`);
      expect(route).toContain('\t\t\t\t\theader_up Cookie "__Host-homedock[_0-9]*=[^;]*(; )?" "{http.vars.homedock_nothing}"');
      expect(block(mine.join("\n"), `\t\t\thandle /user/${user}/${ws.environment.name} {`)).toContain(
        `\t\t\t\tredir * /user/${user}/${ws.environment.name}/ 308`,
      );
    }
    // The login's own pages go to the sign-in, before the session check; no hash is in the Caddyfile.
    expect(block(caddyfile, "\thandle /oauth2/* {")).toEqual(["\thandle /oauth2/* {", ...signIn("\t\t"), "\t}"]);
    // A sign-in from another site, a password in the URL: refused before the sign-in.
    expect(block(caddyfile, "\t@signin_cross_site {")).toEqual([
      "\t@signin_cross_site {",
      "\t\tpath /oauth2/sign_in",
      "\t\tnot method GET HEAD",
      "\t\tnot header Origin https://lab.example.org:8443",
      "\t}",
    ]);
    expect(caddyfile).toContain('\t@secret_in_query query password=*\n\thandle @secret_in_query {\n\t\trespond "a password does not go in the URL" 400\n');
    expect(caddyfile).not.toMatch(/\$2[ab]\$|basicauth/);
  });

  it("sends /user-redirect/<env>/<path> to the route of whoever is signed in, if they have one there; anything else is a 404", () => {
    const redirect = block(caddyfile, "\t\thandle @redirect {");
    expect(caddyfile).toContain("\t\t@redirect path /user-redirect/*\n");
    // Redirected only to the users who have a route there (bob has no nb), by the session's user.
    expect(block(redirect.join("\n"), "\t\t\t@redirect_py {")).toContain("\t\t\t\tvars {homedock_user} alice bob carol");
    expect(block(redirect.join("\n"), "\t\t\t@redirect_nb {")).toContain("\t\t\t\tvars {homedock_user} alice carol");
    expect(redirect.join("\n")).not.toContain("redirect_shell");
    // The rest of the path and the query are taken raw, as sent.
    expect(block(redirect.join("\n"), "\t\t\t@redirect_py {")).toContain(
      "\t\t\t\tvars_regexp redirect_py {http.request.uri} ^/user-redirect/py(?:/([^?]*))?(\\?.*)?$",
    );
    expect(block(redirect.join("\n"), "\t\t\thandle @redirect_py {")).toEqual([
      "\t\t\thandle @redirect_py {",
      "\t\t\t\tredir * /user/{homedock_user}/py/{re.redirect_py.1}{re.redirect_py.2} 302",
      "\t\t\t}",
    ]);
    expect(redirect.slice(-4)).toEqual(["\t\t\thandle {", '\t\t\t\trespond "no such workspace" 404', "\t\t\t}", "\t\t}"]);
  });

  it("admits to /user-redirect/ and / only users with a password, and renders neither when nobody has one", () => {
    const { bob: _, ...withoutBob } = hashes;
    const text = renderCaddyfile(model, withoutBob);
    expect(block(text, "\t\thandle @redirect {").join("\n")).toContain("\t\t\t\tvars {homedock_user} alice carol\n");
    expect(block(text, "\t\t@home {")).toContain("\t\t\tvars {homedock_user} alice carol");
    expect(block(text, "\t\tmap {http.request.header.X-Auth-Request-User} {homedock_user} {").join("\n")).not.toContain("bob");
    const none = renderCaddyfile(model, {});
    expect(none).not.toContain("/user-redirect/");
    expect(none).not.toContain("@home");
  });

  it("keeps the path (Jupyter's base_url is the prefix): no strip, no rewrite", () => {
    expect(caddyfile).not.toMatch(/handle_path|strip_prefix|^\t+uri (?!\/oauth2\/auth\?$)|rewrite/m);
    expect(caddyfile.match(/reverse_proxy unix\/\/run\/homedock\//g)).toHaveLength(model.workspaces.filter((w) => w.route !== undefined).length);
  });

  it("routes only Jupyter environments a user is granted", () => {
    expect(caddyfile).toContain("handle /user/alice/nb/* {");
    expect(caddyfile).not.toContain("/user/bob/nb/");
    expect(caddyfile).not.toContain("/shell/");
  });

  it("lists a user's environments by display name on their landing page, escaped, and a way to sign out", () => {
    const page = block(caddyfile, "\t\t\thandle /user/alice/ {").join("\n");
    expect(page).toContain('<a href="/oauth2/sign_out?rd=%2F">Sign out</a>');
    expect(page).toContain("header Cache-Control no-store");
    expect(page).toContain(`<a href="/user/alice/py/">Python &#60;3&#62; &#38; &#123;$HOME&#125; &#96;x&#96;</a>`);
    expect(page).toContain(`<a href="/user/alice/nb/">nb</a>`);
    expect(page).not.toContain("/user/bob/");
    expect(escapeHtml(`<'"&{}>\``)).toBe("&#60;&#39;&#34;&#38;&#123;&#125;&#62;&#96;");
  });

  it("sends / to the signed-in user's landing page, answers 404 for the rest, and redirects http to the published https port", () => {
    expect(block(caddyfile, "\t\thandle @home {")).toEqual(["\t\thandle @home {", "\t\t\tredir * /user/{homedock_user}/ 302", "\t\t}"]);
    expect(caddyfile).toMatch(/\t\thandle \{\n\t\t\trespond "no such workspace" 404\n\t\t\}\n\t\}\n/);
    expect(block(caddyfile, "http://lab.example.org {")).toContain("\tredir https://lab.example.org:8443{uri} 308");
  });

  it("turns the admin API off and logs access (Caddy leaves credentials out of it, homedock Jupyter's XSRF token)", () => {
    expect(block(caddyfile, "{")).toEqual(expect.arrayContaining(["\tadmin off", "\tskip_install_trust"]));
    const log = block(caddyfile, "\tlog {");
    expect(log).toContain("\t\t\t\trequest>headers>X-Xsrftoken delete");
    expect(block(caddyfile, "\t\t\t\trequest>uri query {")).toEqual([
      "\t\t\t\trequest>uri query {",
      "\t\t\t\t\tdelete _xsrf",
      "\t\t\t\t\tdelete token",
      "\t\t\t\t\tdelete password",
      "\t\t\t\t}",
    ]);
  });

  it("renders each TLS mode", () => {
    const tls = (frontDoor: object) => renderCaddyfile(buildModel({ ...frontDoorConfig(), frontDoor: { site: "lab.example.org", ...frontDoor } }), hashes);
    expect(tls({})).toContain("https://lab.example.org {\n\ttls internal\n");
    expect(tls({ tls: "acme", email: "admin@example.org" })).toMatch(/^\{\n(\t.*\n)*\temail admin@example.org\n\}/);
    expect(tls({ tls: "acme", email: "admin@example.org" })).not.toMatch(/\ttls /);
    expect(tls({ tls: "files", certFile: "/etc/ssl/a.pem", keyFile: "/etc/ssl/a.key" })).toContain("\ttls /homedock/tls/cert.pem /homedock/tls/key.pem\n");
  });

  it("renders no route for a user without a password, and says they are locked out", () => {
    const { bob: _, ...withoutBob } = hashes;
    const text = renderCaddyfile(model, withoutBob);
    expect(text).not.toContain("/user/bob");
    const { bob: __, ...storedWithoutBob } = stored;
    expect(lockedOut(model, storedWithoutBob)).toEqual(["bob has no password (homedock passwd bob): locked out of the front door until one is set"]);
    expect(lockedOut(model, stored)).toEqual([]);
  });
});

describe("the workspaces behind the front door", () => {
  const tf = synthHost(frontDoorConfig());
  const containers = Object.values<Json>(tf.resource.docker_container);
  const byName = (name: string) => containers.find((c) => c.name === name)!;

  it("serve Jupyter on a socket at the route's prefix, without a token, culling idle kernels", () => {
    const py = byName("lab-alice.py");
    expect(py.command).toEqual([
      "jupyter",
      "lab",
      "--ServerApp.sock=/run/homedock/jupyter.sock",
      "--ServerApp.base_url=/user/alice/py/",
      "--ServerApp.allow_remote_access=True",
      "--ServerApp.trust_xheaders=True",
      "--ServerApp.token=",
      "--ServerApp.open_browser=False",
      "--MappingKernelManager.cull_idle_timeout=600",
      "--MappingKernelManager.cull_interval=300",
      "--MappingKernelManager.cull_connected=True",
    ]);
    expect(byName("lab-alice.nb").command).toContain("--NotebookApp.sock=/run/homedock/jupyter.sock");
    expect(py.env.some((e: string) => e.startsWith("JUPYTER_TOKEN="))).toBe(false);
    expect(py.mounts).toContainEqual({ type: "bind", source: "/var/lib/homedock/lab/alice/py", target: "/run/homedock", read_only: false });
    // The environment that is not Jupyter keeps its own token and gets no socket.
    const shell = byName("lab-alice.shell");
    expect(shell.env.some((e: string) => e.startsWith("JUPYTER_TOKEN="))).toBe(true);
    expect(shell.mounts.map((m: Json) => m.target)).not.toContain("/run/homedock");
  });

  it("publish no port; only the proxy does, on the configured address", () => {
    for (const c of containers.filter((c) => labels(c)["homedock.role"] !== "frontdoor")) expect(c.ports).toBeUndefined();
    expect(byName("lab-frontdoor").ports).toEqual([
      { ip: "127.0.0.1", external: 8443, internal: 443 },
      { ip: "127.0.0.1", external: 8080, internal: 80 },
    ]);
  });

  it("are on a network that carries no traffic between its containers", () => {
    const network = Object.values<Json>(tf.resource.docker_network).find((n) => n.name === "lab")!;
    expect(network.options).toEqual({ "com.docker.network.bridge.enable_icc": "false" });
    // Docker changes no network's options in place, nor removes one a container is on:
    // what is on it is replaced with it (an upgrade from a host with the option unset).
    const address = networkTriggersOf(tf, "lab");
    const onNetwork = containers.filter(
      (c) =>
        c.networks_advanced !== undefined &&
        c.name !== "lab-frontdoor" &&
        !c.name.endsWith("-login") &&
        !c.name.endsWith("-signin") &&
        !c.name.endsWith("-signin-limit"),
    );
    expect(onNetwork.length).toBeGreaterThan(0);
    for (const c of onNetwork) expect(c.lifecycle, c.name).toEqual({ replace_triggered_by: address });
    // The proxy with its two networks; the login's containers with the login's network and their setup.
    const login = networkTriggersOf(tf, "lab-login");
    expect(containers.find((c) => c.name === "lab-frontdoor")!.lifecycle).toEqual({ replace_triggered_by: [...address, ...login] });
    // The limiter reads its config at start only: a changed config is a changed label, which replaces it.
    expect(containers.find((c) => c.name === "lab-signin-limit")!.lifecycle).toEqual({ replace_triggered_by: login });
    expect(parse(JSON.stringify(composeFile(model))).networks.lab.driver_opts).toEqual({ "com.docker.network.bridge.enable_icc": "false" });
  });

  it("get their socket directories from the one-shot that makes their homes: root's, sticky and open to the workspace, in a tree only root reaches, outside the home", () => {
    const home = byName("lab-homes-py");
    expect(home.command).toEqual([
      "0700",
      ...["alice", "/homedock/homes/alice", "/home/alice", "2001:2001", "/homedock/runtime/alice", "2", "py", "nb"],
      ...["bob", "/homedock/homes/bob", "/home/bob", "2002:2002", "/homedock/runtime/bob", "1", "py"],
      ...["carol", "/homedock/homes/carol", "/home/carol", "2003:2003", "/homedock/runtime/carol", "2", "py", "nb"],
    ]);
    // Each home alone, and only each user's own directory of the tree, which Docker makes (root's) if missing.
    expect(home.volumes).toEqual(
      ["alice", "bob", "carol"].flatMap((u) => [
        { host_path: `/home/${u}`, container_path: `/homedock/homes/${u}`, read_only: false },
        { host_path: `/var/lib/homedock/lab/${u}`, container_path: `/homedock/runtime/${u}`, read_only: false },
      ]),
    );
    expect(home.mounts).toEqual([]);
    // One copy of the script in the plan, a local every home one-shot names.
    expect(home.entrypoint[2]).toBe("${local.homedock_home}");
    const script = tf.locals.homedock_home;
    expect(script).toBe(readFileSync(path.resolve(__dirname, "../../../src/container/root/home.sh"), "utf8").replace(/([$%])\{/g, "$1$1{"));
    expect(script).toContain('chmod 0700 "$tree"');
    expect(script).toContain('chmod 1777 "$dir"');
    expect(home.capabilities).toEqual({ add: ["CAP_CHOWN"], drop: ["ALL"] });
    // Without createHomes, the same container still makes the socket directories, and no home.
    const noHomes = synthHost({ ...frontDoorConfig(), host: { name: "lab", createHomes: false } });
    const only = Object.values<Json>(noHomes.resource.docker_container).find((c) => c.name === "lab-homes-py")!;
    expect(only.command.slice(0, 9)).toEqual(["0700", "alice", "-", "-", "2001:2001", "/homedock/runtime/alice", "2", "py", "nb"]);
    expect(only.mounts).toEqual([]);
    expect(only.volumes.map((v: Json) => v.container_path)).toEqual(["/homedock/runtime/alice", "/homedock/runtime/bob", "/homedock/runtime/carol"]);
  });
});

describe("the proxy", () => {
  const tf = synthHost(frontDoorConfig());
  const containers = Object.values<Json>(tf.resource.docker_container);
  const proxy = containers.find((c) => c.name === "lab-frontdoor")!;
  const setup = containers.find((c) => c.name === "lab-frontdoor.setup")!;

  it("runs with two capabilities, no new privileges and a read-only root", () => {
    expect(proxy.capabilities).toEqual({ add: ["CAP_DAC_OVERRIDE", "CAP_NET_BIND_SERVICE"], drop: ["ALL"] });
    expect(proxy.security_opts).toEqual(["no-new-privileges:true"]);
    expect(proxy.read_only).toBe(true);
    // Caddy, started only where the kernel keeps it from following a user's link (fs.protected_symlinks).
    expect(proxy.entrypoint).toEqual([
      "/bin/sh",
      "-c",
      readFileSync(path.resolve(__dirname, "../../../src/container/root/protected-links.sh"), "utf8"),
      "homedock-links",
      "caddy",
    ]);
    expect(proxy.command).toEqual(["run", "--config", "/homedock/config/Caddyfile", "--adapter", "caddyfile", "--watch"]);
  });

  it("has memory, CPU and process limits, which the config may raise", () => {
    expect([proxy.memory, proxy.memory_swap, proxy.cpus]).toEqual([512, 512, "1.0"]);
    expect([setup.memory, setup.memory_swap, setup.cpus]).toEqual([64, 64, "0.5"]);
    const config = frontDoorConfig();
    const raised = synthHost({ ...config, frontDoor: { ...config.frontDoor!, memory: "1g", cpus: 2, pidsLimit: 4096 } });
    const bigger = Object.values<Json>(raised.resource.docker_container).find((c) => c.name === "lab-frontdoor")!;
    expect([bigger.memory, bigger.cpus]).toEqual([1024, "2.0"]);
    // The process limit: the cgroup's (Docker's PidsLimit), which the start of each root
    // container gives it before it starts; by container name.
    const limits = (out: Json) => Object.fromEntries(startsOf(out).map(([, d]) => [d.triggers_replace.container, d.triggers_replace.pids_limit]));
    expect(limits(tf)).toMatchObject({ "lab-frontdoor": 512, "lab-frontdoor.setup": 64, "lab-login": 128, "lab-signin": 128 });
    expect(limits(raised)["lab-frontdoor"]).toBe(4096);
    // A new limit replaces only the start (the same container gets it, running); the container stays as it was.
    expect(bigger.ulimit).toBeUndefined();
    const onlyPids = synthHost({ ...config, frontDoor: { ...config.frontDoor!, pidsLimit: 4096 } });
    expect(Object.values<Json>(onlyPids.resource.docker_container).find((c) => c.name === "lab-frontdoor")).toEqual(proxy);
    const compose = composeFile(buildModel({ ...config, frontDoor: { ...config.frontDoor!, pidsLimit: 4096 } })) as Json;
    expect(compose.services.frontdoor).toMatchObject({ mem_limit: "512m", cpus: 1, pids_limit: 4096 });
    expect(compose.services["frontdoor.setup"]).toMatchObject({ mem_limit: "64m", cpus: 0.5, pids_limit: 64 });
  });

  it("mounts the socket tree read-only, its data and config volumes, nothing else", () => {
    expect(proxy.mounts).toEqual([
      { type: "bind", source: "/var/lib/homedock/lab", target: "/run/homedock", read_only: true },
      { type: "volume", source: "${docker_volume.host_frontdoor_data_5F44FA4D.name}", target: "/data", read_only: false },
      { type: "volume", source: "${docker_volume.host_frontdoor_config_88DB2375.name}", target: "/homedock/config", read_only: true },
    ]);
    expect(
      Object.values<Json>(tf.resource.docker_volume)
        .map((v) => v.name)
        .sort(),
    ).toEqual(["lab-frontdoor-config", "lab-frontdoor-data"]);
  });

  it("gets its Caddyfile and the login's files from the sensitive variable, through the setup container's uploads", () => {
    const files = ["sign_in.html", "error.html", "login-cookie-secret", "login-htpasswd", "login-limit.cfg", "Caddyfile"];
    expect(setup.upload).toEqual(files.map((f) => ({ file: `/homedock/upload/${f}`, content: `\${var.frontdoor_files["lab/${f}"]}`, permissions: "0600" })));
    // Each is copied into the config volume in that order, the Caddyfile last.
    expect(setup.command).toEqual(["/homedock/runtime", ...files.flatMap((f) => [`/homedock/upload/${f}`, `/homedock/config/${f}`])]);
    expect(tf.variable.frontdoor_files).toMatchObject({ sensitive: true, type: "map(string)" });
    // Once the setup has run: it is only created stopped, and its start runs it.
    expect(proxy.depends_on).toEqual(["terraform_data.host_frontdoor_setup-start_10FC9988"]);
    expect(tf.resource.terraform_data["host_frontdoor_setup-start_10FC9988"].triggers_replace.id).toBe("${docker_container.host_frontdoor_setup_B674BFB0.id}");
  });
});

describe("secrets", () => {
  it("no password hash or token in cdk.tf.json or docker-compose.yml; the Caddyfile is a 0600 file beside the Compose file", () => {
    const dir = mkdtempSync(path.join(work, "compose-"));
    writeFileSync(path.join(dir, "unused"), "");
    mkdirSync(path.join(dir, "homedock-secrets"), { mode: 0o700 });
    writeFileSync(path.join(dir, PASSWORDS_FILE), JSON.stringify(stored), { mode: 0o600 });
    writeComposeSecrets(dir, model);
    const written = path.join(dir, "homedock-secrets/frontdoor/Caddyfile");
    expect(statSync(written).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(written)).mode & 0o777).toBe(0o700);
    expect(readFileSync(written, "utf8")).toBe(renderCaddyfile(model, hashes));
    const tokens = Object.values<string>(JSON.parse(readFileSync(path.join(dir, "homedock-secrets/tokens.json"), "utf8")));
    const rendered = [JSON.stringify(synthHost(frontDoorConfig())), JSON.stringify(composeFile(model))];
    for (const text of rendered) {
      expect(text).not.toMatch(/\$2[aby]\$/);
      for (const token of tokens) expect(text).not.toContain(token);
    }
  });

  it("a password file with something that is not a bcrypt hash: one line per user, the value not shown", () => {
    const dir = mkdtempSync(path.join(work, "bad-"));
    writePassword(dir, "alice", 2001, hashes.alice);
    const file = path.join(dir, PASSWORDS_FILE);
    writeFileSync(file, JSON.stringify({ alice: hashes.alice, bob: "hunter2", carol: "$1$md5$crypt" }));
    try {
      readPasswords(dir);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toBe(
        [
          `${file}: bob: expected a bcrypt hash ($2a$ or $2b$, as homedock passwd writes it); found something else (not shown)`,
          `${file}: carol: expected a bcrypt hash ($2a$ or $2b$, as homedock passwd writes it); found something else (not shown)`,
        ].join("\n"),
      );
      expect((err as ConfigError).message).not.toContain("hunter2");
    }
  });
});

describe("adding a user", () => {
  it("adds that user's resources and changes no other, the proxy included, but the one-shot of the user's home image, which gains the home (Terraform)", () => {
    const before = synthHost(frontDoorConfig());
    const after = synthHost(frontDoorConfig(["alice", "bob", "carol", "dave"]));
    const homes = (id: string) => /^host_homes-py_container_/.test(id);
    for (const [type, resources] of Object.entries<Json>(before.resource)) {
      for (const [id, resource] of Object.entries<Json>(resources)) if (!homes(id)) expect(after.resource[type][id], `${type}.${id}`).toEqual(resource);
    }
    const [was, now] = [before, after].map((t) => Object.entries<Json>(t.resource.docker_container).find(([id]) => homes(id))![1]);
    expect(now.command).toEqual([...was.command, "dave", "/homedock/homes/dave", "/home/dave", "2004:2004", "/homedock/runtime/dave", "2", "py", "nb"]);
    expect(now.volumes.slice(0, was.volumes.length)).toEqual(was.volumes);
    const added = Object.entries<Json>(after.resource).flatMap(([type, rs]) => Object.keys(rs).filter((id) => before.resource[type]?.[id] === undefined));
    expect(added.map((id) => id.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual([
      "host_user-dave_nb_container",
      "host_user-dave_py_container",
      "host_user-dave_shell_container",
    ]);
  });

  it("leaves every Compose service as it was, the proxy included, but the user's home image's one-shot; only the Caddyfile changes", () => {
    const before = composeFile(buildModel(frontDoorConfig())).services as Json;
    const after = composeFile(buildModel(frontDoorConfig(["alice", "bob", "carol", "dave"]))).services as Json;
    for (const [name, service] of Object.entries(before)) if (name !== "homes-py") expect(after[name], name).toEqual(service);
    expect(after["homes-py"].command).toEqual([
      ...before["homes-py"].command,
      "dave",
      "/homedock/homes/dave",
      "/home/dave",
      "2004:2004",
      "/homedock/runtime/dave",
      "2",
      "py",
      "nb",
    ]);
    expect(
      Object.keys(after)
        .filter((name) => before[name] === undefined)
        .sort(),
    ).toEqual(["dave.nb", "dave.py", "dave.shell"]);
    expect(renderCaddyfile(buildModel(frontDoorConfig(["alice", "bob", "carol", "dave"])), hashes)).toContain("\thandle @user_dave {");
  });

  it("a network from before inter-container traffic was off: replaced with its workspaces, and the review says why (a real plan)", () => {
    const plan = readFileSync(path.resolve(__dirname, "../../fixtures/plans/network-options.json"), "utf8");
    const { markdown } = reviewPlan(plan);
    expect(markdown).toContain("| alice / py | restarted in a new container | network replaced |");
    expect(markdown).toContain("- network `lab` replaced");
  });

  it("is reviewed as a front door reload on its own line, not as a server that stops (a real plan)", () => {
    const plan = readFileSync(path.resolve(__dirname, "../../fixtures/plans/frontdoor-add-user.json"), "utf8");
    const { markdown } = reviewPlan(plan);
    expect(markdown).toContain("**0 workspaces replaced, 0 removed, 1 added, 0 updated in place, 2 unchanged.**");
    expect(markdown).toContain("### Front door\n\n- front door reloads: routes or passwords changed; open pages reconnect, kernels keep running\n");
    expect(markdown).not.toContain("Servers that stop");
    expect(markdown).toContain("- **carol**: gains py");
  });
});

describe("workspaces that stop when idle", () => {
  const config = frontDoorConfig();
  const idle = {
    ...config,
    host: { ...config.host, defaults: { idleTimeout: 900 } },
    environments: config.environments.map((e) => (e.name === "nb" ? { ...e, idleTimeout: 120 } : e)),
  };
  const tf = synthHost(idle);
  const containers = Object.values<Json>(tf.resource.docker_container);
  const byName = (name: string) => containers.find((c) => c.name === name)!;

  it("tell Jupyter to stop when idle, cull kernels and terminals within the timeout, and may stay stopped", () => {
    const py = byName("lab-alice.py");
    expect(py.command.slice(8)).toEqual([
      // idleKernelTimeout (600) is shorter than the host's idleTimeout (900): it stays.
      "--MappingKernelManager.cull_idle_timeout=600",
      "--MappingKernelManager.cull_interval=300",
      "--MappingKernelManager.cull_connected=True",
      "--ServerApp.shutdown_no_activity_timeout=900",
      "--TerminalManager.cull_inactive_timeout=900",
      "--TerminalManager.cull_interval=300",
    ]);
    // The environment's own idleTimeout wins over the host's; kernels are culled within it.
    const nb = byName("lab-alice.nb");
    expect(nb.command).toContain("--NotebookApp.shutdown_no_activity_timeout=120");
    expect(nb.command).toContain("--MappingKernelManager.cull_idle_timeout=120");
    expect(nb.command).toContain("--MappingKernelManager.cull_interval=120");
    for (const ws of [py, nb]) {
      expect([ws.restart, ws.must_run]).toEqual(["on-failure", false]);
      expect(ws.env).toContain("HOMEDOCK_IDLE_SOCKET=/run/homedock/jupyter.sock");
    }
    // Not Jupyter: the host's default does not apply; it runs all the time, as before.
    const shell = byName("lab-alice.shell");
    expect([shell.restart, shell.must_run]).toEqual(["unless-stopped", true]);
    expect(shell.env.some((e: string) => e.startsWith("HOMEDOCK_IDLE_SOCKET"))).toBe(false);
  });

  it("have a Docker API filter: the only holder of the Docker socket, no network, no capability; the proxy alone mounts its socket", () => {
    const filter = byName("lab-docker-filter");
    expect(filter.network_mode).toBe("none");
    expect(filter.capabilities).toEqual({ drop: ["ALL"] });
    expect([filter.user, filter.read_only, filter.memory, filter.security_opts]).toEqual(["0:0", true, 64, ["no-new-privileges:true"]]);
    expect(filter.mounts.map((m: Json) => [m.type, m.source, m.target])).toEqual([
      ["bind", "/var/run/docker.sock", "/var/run/docker.sock"],
      ["volume", expect.stringMatching(/^\$\{docker_volume\.host_frontdoor_docker-filter-socket_[0-9A-F]+\.name\}$/), "/run/homedock-docker"],
    ]);
    const holders = containers.filter((c) => JSON.stringify(c.mounts ?? []).includes("docker-filter")).map((c) => c.name);
    expect(holders.sort()).toEqual(["lab-docker-filter", "lab-frontdoor"]);
    expect(containers.filter((c) => JSON.stringify([c.mounts, c.volumes]).includes("docker.sock")).map((c) => c.name)).toEqual(["lab-docker-filter"]);
    const proxyMount = byName("lab-frontdoor").mounts.find((m: Json) => m.target === "/run/homedock-docker");
    expect(proxyMount.read_only).toBe(true);
    // Its allow-list: the start of each workspace that stops when idle, nothing else.
    const conf = filter.env.find((e: string) => e.startsWith("HOMEDOCK_DOCKER_FILTER="));
    expect(conf).toContain("\tpath_regexp ^/containers/(lab-alice\\.py|lab-alice\\.nb|lab-bob\\.py|lab-carol\\.py|lab-carol\\.nb)/start$");
    expect(conf).not.toContain("shell");
  });

  it("start the filter through src/container/root/docker-filter.sh, which names the socket and the variable its spec has", () => {
    const [shell, flag, script, name] = dockerFilterContainer(buildModel(idle)).entrypoint;
    expect([shell, flag, name]).toEqual(["/bin/sh", "-c", "homedock-docker-filter"]);
    expect(script).toBe(readFileSync(path.resolve(__dirname, "../../../src/container/root/docker-filter.sh"), "utf8"));
    expect(script).toContain(`rm -f ${DOCKER_FILTER_SOCKET} `);
    expect(script).toContain(`"$${DOCKER_FILTER_CONFIG_VARIABLE}"`);
  });

  it("are woken by their owner's page load alone; the rest gets 503; the landing page says which run", () => {
    const text = renderCaddyfile(buildModel(idle), hashes);
    const errors = block(text, "\thandle_errors {");
    const wake = block(errors.join("\n"), "\t\t@wake_alice_py {");
    expect(wake.slice(1, -1)).toEqual([
      "\t\t\tpath /user/alice/py/*",
      "\t\t\tvars homedock_reached alice",
      "\t\t\texpression {http.error.status_code} == 502",
      "\t\t\tmethod GET",
      "\t\t\theader Sec-Fetch-Mode navigate",
      "\t\t\theader Sec-Fetch-Dest document",
    ]);
    const start = block(errors.join("\n"), "\t\thandle @wake_alice_py {");
    expect(start).toContain("\t\t\trewrite * /containers/lab-alice.py/start?");
    expect(start).toContain("\t\t\t\theader_up -Authorization");
    expect(start.join("\n")).toContain("Starting Python &#60;3&#62; &#38; &#123;$HOME&#125; &#96;x&#96;…");
    expect(block(errors.join("\n"), "\t\thandle @asleep_alice_py {")).toContain("\t\t\theader Retry-After 10");
    // One wake and one 503 route per workspace of a user who can sign in; none for the shell.
    expect(errors.filter((l) => l.startsWith("\t\t@wake_")).length).toBe(5);
    expect(text).not.toContain("shell/start");
    const landing = block(text, "\t\t\thandle /user/alice/ {");
    expect(landing.slice(1, 4)).toEqual(["\t\t\t\ttemplates {", "\t\t\t\t\troot /run/homedock", "\t\t\t\t}"]);
    expect(landing.join("\n")).toContain('{{if has "jupyter.sock" (listFiles "/alice/py")}}running{{else}}stopped: it starts when you open it{{end}}');
    // Without idleTimeout nothing of it is there.
    expect(caddyfile).not.toContain("handle_errors");
    expect(caddyfile).not.toContain("templates");
  });

  it("through Compose: the filter is a service; the workspaces restart on failure only", () => {
    const compose = composeFile(buildModel(idle)) as Json;
    expect(compose.services["docker-filter"].network_mode).toBe("none");
    expect(compose.services["alice.py"].restart).toBe("on-failure");
    expect(compose.services.frontdoor.volumes).toContainEqual({ type: "volume", source: "lab-docker-filter", target: "/run/homedock-docker", read_only: true });
    expect(compose.volumes["lab-docker-filter"]).toEqual({ name: "lab-docker-filter" });
  });
});
