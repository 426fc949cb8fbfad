// The front door's login as rendered: oauth2-proxy's two containers in both renderings,
// their flags, the files they read (and the secrets kept out of every rendered file),
// the OpenID Connect login's own checks, and what the review says when the login changes.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildModel } from "../../../src/model/model";
import { parseConfig } from "../../../src/model/load";
import { ConfigError } from "../../../src/config/issues";
import type { ConfigInput } from "../../../src/config/schema";
import { composeFile } from "../../../src/render/compose";
import { renderCaddyfile } from "../../../src/render/caddyfile";
import { frontDoorFiles, PASSWORDS_FILE, writeComposeSecrets } from "../../../src/output/secrets";
import { LOGIN_SECRETS_FILE, writeClientSecret } from "../../../src/output/login-files";
import { writeCompose, synth } from "../../../src/output/output";
import { loginDescription, reviewPlan } from "../../../src/review/review";
import { validate } from "../../../src/model/validate";
import { frontDoorConfig, type Json, labels, networkTriggersOf, synthHost } from "../../helpers/synth";

const work = mkdtempSync(path.join(tmpdir(), "homedock-login-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const hashes: Record<string, string> = { alice: `$2b$12$${"A".repeat(53)}`, bob: `$2b$12$${"B".repeat(53)}` };
const stored = { alice: { hash: hashes.alice, uid: 2001 }, bob: { hash: hashes.bob, uid: 2002 } };

/** frontDoorConfig with an OpenID Connect login; alice's identity is her email. */
function oidcConfig(login: object = {}): ConfigInput {
  const config = frontDoorConfig();
  return {
    ...config,
    frontDoor: {
      ...config.frontDoor!,
      login: { method: "oidc", issuer: "https://login.example.org/realms/course", clientId: "homedock-lab", claim: "email", session: "4h", ...login },
    },
    users: config.users!.map((u) => (u.name === "alice" ? { ...u, identity: "alice@example.org" } : u)),
  };
}

/** A directory with passwords.json (alice and bob) and, for oidc, a client secret. */
function secretsDir(clientSecret?: string): string {
  const dir = mkdtempSync(path.join(work, "dir-"));
  mkdirSync(path.join(dir, "homedock-secrets"), { mode: 0o700 });
  writeFileSync(path.join(dir, PASSWORDS_FILE), JSON.stringify(stored), { mode: 0o600 });
  if (clientSecret !== undefined) writeClientSecret(dir, clientSecret);
  return dir;
}

const flag = (command: readonly string[], name: string) => command.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

describe("the login's containers", () => {
  const tf = synthHost(frontDoorConfig());
  const containers = Object.values<Json>(tf.resource.docker_container);
  const byName = (name: string) => containers.find((c) => c.name === name)!;
  const [check, signIn] = [byName("lab-login"), byName("lab-signin")];

  it("run as root with one capability (to read their own files), no new privileges, a read-only root and limits", () => {
    for (const c of [check, signIn]) {
      expect(c.user).toBe("0:0");
      expect(c.capabilities).toEqual({ add: ["CAP_DAC_READ_SEARCH"], drop: ["ALL"] });
      expect(c.security_opts).toEqual(["no-new-privileges:true"]);
      expect(c.read_only).toBe(true);
      expect(c.init).toBe(true);
      expect(c.memory).toBe(128);
      expect(c.memory_swap).toBe(128);
      expect(c.restart).toBe("unless-stopped");
      expect(c.ports).toBeUndefined();
    }
    // The session check answers every request (the proxy's CPU); the sign-in, where a flood of wrong passwords lands, its own.
    expect(check.cpus).toBe("1.0");
    expect(signIn.cpus).toBe("0.5");
    expect([labels(check)["homedock.role"], labels(signIn)["homedock.role"]]).toEqual(["login", "sign-in"]);
  });

  it("are on a network of their own with the proxy, without a way out, and are replaced with the setup", () => {
    const [network] = Object.entries<Json>(tf.resource.docker_network)
      .filter(([, n]) => n.name === "lab-login")
      .map(([id, n]) => ({ id, ...n }));
    expect(network).toMatchObject({ name: "lab-login", internal: true });
    const ref = `\${docker_network.${network.id}.name}`;
    for (const c of [check, signIn]) {
      expect(c.network_mode).toBeUndefined();
      expect(c.networks_advanced).toEqual([{ name: ref }]);
      expect(c.lifecycle).toEqual({ replace_triggered_by: ["docker_container.host_frontdoor_setup_B674BFB0", ...networkTriggersOf(tf, "lab-login")] });
      expect(c.mounts).toEqual([
        { type: "volume", source: "${docker_volume.host_frontdoor_config_88DB2375.name}", target: "/homedock/config", read_only: true },
      ]);
      // The image's own entrypoint, said: the provider reads it back, and an empty one is a change at every plan.
      expect(c.entrypoint).toEqual(["/bin/oauth2-proxy"]);
    }
    // The proxy is on it too, beside the workspaces' network; no workspace is.
    expect(byName("lab-frontdoor").networks_advanced).toEqual([{ name: "${docker_network.host_network_CDA70515.name}" }, { name: ref }]);
    for (const c of containers.filter((c) => labels(c)["homedock.role"] === "workspace")) expect(JSON.stringify(c.networks_advanced)).not.toContain(network.id);
    expect(flag(check.command, "http-address")).toBe("0.0.0.0:4180");
    expect(flag(signIn.command, "http-address")).toBe("0.0.0.0:4181");
    const compose = composeFile(buildModel(frontDoorConfig())) as Json;
    expect(compose.networks["lab-login"]).toEqual({ name: "lab-login", internal: true });
    expect(compose.services.frontdoor.networks).toEqual(["lab", "lab-login"]);
    for (const name of ["frontdoor.login", "frontdoor.signin"]) {
      expect(compose.services[name].networks).toEqual(["lab-login"]);
      expect(compose.services[name].volumes).toEqual([
        { type: "bind", source: "./homedock-secrets/frontdoor", target: "/homedock/config", read_only: true, bind: { create_host_path: false } },
      ]);
      expect(compose.services[name]).toMatchObject({ user: "0:0", cap_add: ["CAP_DAC_READ_SEARCH"], cap_drop: ["ALL"], read_only: true, mem_limit: "128m" });
    }
  });

  it("set a session cookie that is Secure, HttpOnly, SameSite=Lax and this site's alone, for the session's length and never longer", () => {
    for (const c of [check, signIn]) {
      expect(flag(c.command, "cookie-name")).toBe("__Host-homedock");
      expect(c.command).toEqual(
        expect.arrayContaining(["--cookie-secure=true", "--cookie-httponly=true", "--cookie-samesite=lax", "--cookie-expire=28800s", "--cookie-refresh=0"]),
      );
      expect(flag(c.command, "cookie-secret-file")).toBe("/homedock/config/login-cookie-secret");
    }
    const short = synthHost({ ...frontDoorConfig(), frontDoor: { ...frontDoorConfig().frontDoor!, login: { session: "1h30m" } } });
    expect(Object.values<Json>(short.resource.docker_container).find((c) => c.name === "lab-signin")!.command).toContain("--cookie-expire=5400s");
  });

  it("with passwords: only the sign-in reads the password file; neither ever asks a provider", () => {
    expect(flag(signIn.command, "htpasswd-file")).toBe("/homedock/config/login-htpasswd");
    expect(flag(check.command, "htpasswd-file")).toBeUndefined();
    for (const c of [check, signIn]) {
      expect(c.command).toContain("--skip-oidc-discovery=true");
      expect(flag(c.command, "oidc-issuer-url")).toBe("https://login.invalid");
    }
  });

  it("with OpenID Connect: the sign-in talks to the provider, with the client secret from a file; the session check admits the config's identities only", () => {
    const oidc = Object.values<Json>(synthHost(oidcConfig({ caFile: "/etc/ssl/idp-ca.pem" })).resource.docker_container);
    const [c, s] = [oidc.find((x) => x.name === "lab-login")!, oidc.find((x) => x.name === "lab-signin")!];
    expect(flag(s.command, "oidc-issuer-url")).toBe("https://login.example.org/realms/course");
    expect(flag(s.command, "client-id")).toBe("homedock-lab");
    expect(flag(s.command, "client-secret-file")).toBe("/homedock/config/login-client-secret");
    expect(flag(s.command, "redirect-url")).toBe("https://lab.example.org:8443/oauth2/callback");
    expect(flag(s.command, "oidc-email-claim")).toBe("email");
    expect(flag(s.command, "provider-ca-file")).toBe("/homedock/login-ca.pem");
    expect(s.mounts).toContainEqual({ type: "bind", source: "/etc/ssl/idp-ca.pem", target: "/homedock/login-ca.pem", read_only: true });
    expect(s.command).not.toContain("--insecure-oidc-allow-unverified-email=true");
    // The sign-in reaches the provider through a network of its own (not the workspaces', where the
    // proxy would find it by name at an address it cannot reach); the session check has no way out.
    const oidcTf = synthHost(oidcConfig());
    const egress = Object.entries<Json>(oidcTf.resource.docker_network).find(([, n]) => n.name === "lab-login-out")!;
    expect(egress[1].options).toEqual({ "com.docker.network.bridge.enable_icc": "false" });
    expect(s.networks_advanced.map((n: Json) => n.name)).toEqual([expect.stringContaining("login-network"), `\${docker_network.${egress[0]}.name}`]);
    expect(c.networks_advanced).toHaveLength(1);
    // Each replaced with its setup and with each network it is on (made again included).
    const setup = "docker_container.host_frontdoor_setup_B674BFB0";
    const tfContainer = (name: string) => Object.values<Json>(oidcTf.resource.docker_container).find((x) => x.name === name)!;
    expect(tfContainer("lab-signin").lifecycle).toEqual({
      replace_triggered_by: [setup, ...networkTriggersOf(oidcTf, "lab-login"), ...networkTriggersOf(oidcTf, "lab-login-out")],
    });
    expect(tfContainer("lab-login").lifecycle).toEqual({ replace_triggered_by: [setup, ...networkTriggersOf(oidcTf, "lab-login")] });
    const compose = composeFile(buildModel(oidcConfig())) as Json;
    expect(compose.services["frontdoor.signin"].networks).toEqual(["lab-login", "lab-login-out"]);
    expect(compose.services.frontdoor.networks).toEqual(["lab", "lab-login"]);
    for (const x of [c, s]) {
      expect(flag(x.command, "authenticated-emails-file")).toBe("/homedock/config/login-identities");
      // Anyone the provider knows would pass an email domain of "*".
      expect(flag(x.command, "email-domain")).toBeUndefined();
      expect(flag(x.command, "htpasswd-file")).toBeUndefined();
    }
    expect(flag(c.command, "oidc-issuer-url")).toBe("https://login.invalid");
  });
});

describe("the login's files", () => {
  it("password: the hashes go to the sign-in's password file (0600), of the users with a route and a password; none in the Caddyfile", () => {
    const dir = secretsDir();
    const model = buildModel(frontDoorConfig());
    writeComposeSecrets(dir, model);
    const config = path.join(dir, "homedock-secrets/frontdoor");
    expect(readdirSync(config).sort()).toEqual(["Caddyfile", "error.html", "login-cookie-secret", "login-htpasswd", "login-limit.cfg", "sign_in.html"]);
    for (const f of readdirSync(config)) expect(statSync(path.join(config, f)).mode & 0o777, f).toBe(0o600);
    // After an entry no one signs in with: the file is never empty, which oauth2-proxy would not take.
    expect(readFileSync(path.join(config, "login-htpasswd"), "utf8")).toBe(`-:$2b$04$${".".repeat(53)}\nalice:${hashes.alice}\nbob:${hashes.bob}\n`);
    expect(readFileSync(path.join(config, "Caddyfile"), "utf8")).not.toMatch(/\$2[ab]\$/);
    // The cookie secret: 32 random bytes, kept across renders.
    const secret = readFileSync(path.join(config, "login-cookie-secret"), "utf8");
    expect(Buffer.from(secret, "base64url")).toHaveLength(32);
    writeComposeSecrets(dir, model);
    expect(readFileSync(path.join(config, "login-cookie-secret"), "utf8")).toBe(secret);
    expect(JSON.parse(readFileSync(path.join(dir, LOGIN_SECRETS_FILE), "utf8"))).toEqual({ cookieSecret: secret });
    // The pages name no user of the host.
    for (const page of ["sign_in.html", "error.html"]) expect(readFileSync(path.join(config, page), "utf8")).not.toMatch(/alice|bob|carol/);
  });

  it("oidc: the identities of the users with a route, and the client secret, in no rendered file, log line or inspectable setting", () => {
    const secret = "s3cr3t-Client_Value.with~chars";
    const dir = secretsDir(secret);
    const model = buildModel(oidcConfig());
    const files = frontDoorFiles(dir, model);
    expect(Object.keys(files)).toEqual(["sign_in.html", "error.html", "login-cookie-secret", "login-client-secret", "login-identities", "Caddyfile"]);
    expect(files["login-identities"]).toBe("alice@example.org\nbob\ncarol\n");
    expect(files["login-client-secret"]).toBe(secret);
    // The session check's answer (the claim's value) is mapped to the host's user.
    expect(files.Caddyfile).toContain(
      "\t\tmap {http.request.header.X-Auth-Request-Email} {homedock_user} {\n\t\t\talice@example.org alice\n\t\t\tbob bob\n\t\t\tcarol carol\n\t\t}\n",
    );
    expect(files["sign_in.html"]).toContain('action="{{.ProxyPrefix}}/start"');
    // Neither the Terraform stack nor the Compose file holds the secret; terraform.tfvars.json (0600) does.
    const out = synth(model, path.join(dir, "cdktf.out"));
    expect(readFileSync(out, "utf8")).not.toContain(secret);
    const tfvars = path.join(path.dirname(out), "terraform.tfvars.json");
    expect(statSync(tfvars).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(tfvars, "utf8")).frontdoor_files["lab/login-client-secret"]).toBe(secret);
    writeCompose(model, path.join(dir, "docker-compose.yml"));
    const compose = readFileSync(path.join(dir, "docker-compose.yml"), "utf8");
    expect(compose).not.toContain(secret);
    expect(JSON.stringify(parse(compose).services["frontdoor.signin"])).not.toContain(secret);
  });

  it("oidc without a client secret: one error naming the field and how to give it; nothing written", () => {
    const dir = secretsDir();
    const model = buildModel(oidcConfig());
    const before = readdirSync(path.join(dir, "homedock-secrets")).sort();
    expect(() => writeCompose(model, path.join(dir, "docker-compose.yml"))).toThrow(
      'config: frontDoor.login.method: got "oidc"; expected the provider\'s client secret beside method: oidc: give it with homedock passwd --client-secret (kept in homedock-secrets/login.json, never in the config)',
    );
    expect(existsSync(path.join(dir, "docker-compose.yml"))).toBe(false);
    expect(readdirSync(path.join(dir, "homedock-secrets")).sort()).toEqual(before);
  });

  it("a login.json not as homedock writes it is refused, its values not shown", () => {
    const dir = secretsDir();
    writeFileSync(path.join(dir, LOGIN_SECRETS_FILE), JSON.stringify({ cookieSecret: "short-and-secret", clientSecret: "has space", extra: 1 }));
    const file = path.join(dir, LOGIN_SECRETS_FILE);
    try {
      frontDoorFiles(dir, buildModel(frontDoorConfig()));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toBe(
        [
          `${file}: cookieSecret: expected 32 random bytes, base64url (homedock makes it); found something else (not shown)`,
          `${file}: clientSecret: expected the client secret, 1-1024 printable characters without spaces; found something else (not shown)`,
          `${file}: extra: expected only cookieSecret and clientSecret`,
        ].join("\n"),
      );
      expect(message).not.toContain("short-and-secret");
    }
  });
});

describe("an OpenID Connect login's config", () => {
  it("takes an http issuer on a loopback address (a provider on this machine, for tests) and nowhere else", () => {
    expect(() => buildModel(oidcConfig({ issuer: "http://127.0.0.1:5556/dex" }))).not.toThrow();
    expect(() => buildModel(oidcConfig({ issuer: "http://localhost:5556/dex" }))).not.toThrow();
    expect(() => buildModel(oidcConfig({ issuer: "http://127.0.0.1.example.org/dex" }))).toThrow(/expected an https URL/);
  });

  it("warns of the oidc keys and identities a password login does not use", () => {
    const config = oidcConfig({ method: "password" });
    const { warnings } = validate(config, "config");
    expect(warnings).toEqual(
      expect.arrayContaining([
        "frontDoor.login.issuer: not used with method: password",
        "frontDoor.login.clientId: not used with method: password",
        "frontDoor.login.claim: not used with method: password",
        "users[0].identity: not used with login method: password (a user signs in with their name)",
      ]),
    );
    // And a password login knows each user by their name.
    expect(buildModel(config).users[0].identity).toBe("alice");
  });

  it("reads a user's identity from the file, with its position in an error", () => {
    const text = [
      "frontDoor:",
      "  site: lab.example.org",
      "  login: { method: oidc, issuer: 'https://login.example.org', clientId: lab }",
      "environments: [{ name: py, image: lab/py:1, command: [jupyter, lab], jupyter: server }]",
      "users:",
      "  - { name: alice, uid: 1001, gid: 1001, identity: a@example.org }",
      "  - { name: bob, uid: 1002, gid: 1002, identity: a@example.org }",
    ].join("\n");
    expect(() => parseConfig(text, "lab.yaml")).toThrow(
      'lab.yaml: 7:50: users[1].identity: got "a@example.org"; expected an identity of its own: users[0] signs in as the same (each user is one value of the claim preferred_username)',
    );
  });
});

describe("the review of a plan that changes the login", () => {
  /** frontdoor-add-user.json (recorded) with the sign-in's change in it, as a plan with `before` and `after` commands would have it. */
  function withSignIn(before: string[] | undefined, after: string[] | undefined, actions: string[]): string {
    const plan = JSON.parse(readFileSync(path.resolve(__dirname, "../../fixtures/plans/frontdoor-add-user.json"), "utf8"));
    const proxy = plan.resource_changes.find((c: any) => c.address.startsWith("docker_container.host_frontdoor_proxy_"));
    const host = proxy.change.before.labels.find((l: any) => l.label === "homedock.host").value;
    const side = (command: string[] | undefined) =>
      command === undefined
        ? null
        : {
            ...proxy.change.before,
            name: `${host}-signin`,
            command,
            labels: [
              { label: "homedock.host", value: host },
              { label: "homedock.role", value: "sign-in" },
            ],
          };
    plan.resource_changes.push({
      address: "docker_container.host_frontdoor_signin_0",
      mode: "managed",
      type: "docker_container",
      name: "host_frontdoor_signin_0",
      change: { actions, before: side(before), after: side(after), after_unknown: {}, ...(actions.length > 1 ? { replace_paths: [["command"]] } : {}) },
    });
    return JSON.stringify(plan);
  }
  const password = ["--htpasswd-file=/homedock/config/login-htpasswd", "--cookie-expire=28800s"];
  const oidc = ["--oidc-issuer-url=https://login.example.org/realms/course", "--client-id=lab", "--oidc-email-claim=email", "--cookie-expire=14400s"];

  it("says what the login was and becomes", () => {
    const { markdown } = reviewPlan(withSignIn(password, oidc, ["delete", "create"]));
    expect(markdown).toContain(
      "- login changes: passwords, sessions of 8h → OpenID Connect at https://login.example.org/realms/course (client lab, claim email), sessions of 4h\n",
    );
    expect(reviewPlan(withSignIn(password, [...password.slice(0, 1), "--cookie-expire=5400s"], ["delete", "create"])).markdown).toContain(
      "- login changes: passwords, sessions of 8h → passwords, sessions of 90m\n",
    );
  });

  it("says when the limit on wrong passwords changes, which replaces the limiter alone", () => {
    const plan = JSON.parse(withSignIn(password, password, ["no-op"]));
    const signIn = plan.resource_changes.at(-1);
    const limiter = (limit: string) => ({
      ...signIn.change.before,
      name: "x-signin-limit",
      command: ["-db", "-f", "/homedock/config/login-limit.cfg"],
      labels: [...signIn.change.before.labels.slice(0, 1), { label: "homedock.role", value: "sign-in-limit" }, { label: "homedock.limit", value: limit }],
    });
    plan.resource_changes.push({
      address: "docker_container.host_frontdoor_signin-limit_0",
      mode: "managed",
      type: "docker_container",
      name: "host_frontdoor_signin-limit_0",
      change: {
        actions: ["delete", "create"],
        before: limiter("10 per user, 50 per address in 10m"),
        after: limiter("2 per user, 4 per address in 15m"),
        after_unknown: {},
        replace_paths: [["labels"]],
      },
    });
    expect(reviewPlan(JSON.stringify(plan)).markdown).toContain(
      "- login changes: passwords, sessions of 8h, wrong passwords limited to 10 per user, 50 per address in 10m → passwords, sessions of 8h, wrong passwords limited to 2 per user, 4 per address in 15m\n",
    );
    // Nothing to say where neither changes.
    plan.resource_changes.at(-1).change = { ...plan.resource_changes.at(-1).change, actions: ["no-op"], after: plan.resource_changes.at(-1).change.before };
    expect(reviewPlan(JSON.stringify(plan)).markdown).not.toContain("- login changes");
  });

  it("says a front door from before the sign-in page gets one, and the sign-in's image among those that run as root", () => {
    expect(reviewPlan(withSignIn(undefined, password, ["create"])).markdown).toContain(
      "- login changes: the browser's basic-auth prompt → passwords, sessions of 8h\n",
    );
    expect(loginDescription(["--htpasswd-file=/x"])).toBe("passwords");
  });
});

describe("the Caddyfile of an OpenID Connect login", () => {
  it("asks the session check for the claim's header, and wakes an idle workspace for its owner", () => {
    const config = oidcConfig();
    const model = buildModel({ ...config, host: { ...config.host, defaults: { idleTimeout: 600 } } });
    const text = renderCaddyfile(model, {});
    expect(text).toContain("\t\t\tcopy_headers X-Auth-Request-Email\n");
    // The wake route names the user whose route the session check let the request reach.
    expect(text).toContain("\t\t\tvars homedock_reached alice\n");
    // Every user with a route is let in by their identity; no password is needed.
    expect(text).toContain("\t\t@user_carol {");
  });
});

describe("the sign-in's limiter (a password login)", () => {
  const limited = (failedSignIns?: object): ConfigInput => {
    const config = frontDoorConfig();
    return { ...config, frontDoor: { ...config.frontDoor!, login: failedSignIns === undefined ? {} : { failedSignIns } } };
  };
  const tf = synthHost(limited());
  const limiter = Object.values<Json>(tf.resource.docker_container).find((c) => c.name === "lab-signin-limit")!;
  const loginNetwork = Object.entries<Json>(tf.resource.docker_network).find(([, n]) => n.name === "lab-login")![0];

  it("runs hardened as the login's containers, on the login's network only, reading its config from the config volume", () => {
    expect(limiter).toMatchObject({
      user: "0:0",
      capabilities: { add: ["CAP_DAC_READ_SEARCH"], drop: ["ALL"] },
      security_opts: ["no-new-privileges:true"],
      read_only: true,
      init: true,
      memory: 128,
      memory_swap: 128,
      cpus: "0.5",
      restart: "unless-stopped",
    });
    expect(limiter.ports).toBeUndefined();
    expect(limiter.networks_advanced).toEqual([{ name: `\${docker_network.${loginNetwork}.name}` }]);
    expect(limiter.entrypoint).toEqual(["haproxy"]);
    expect(limiter.command).toEqual(["-db", "-f", "/homedock/config/login-limit.cfg"]);
    expect(limiter.mounts).toEqual([
      { type: "volume", source: "${docker_volume.host_frontdoor_config_88DB2375.name}", target: "/homedock/config", read_only: true },
    ]);
    expect(labels(limiter)["homedock.role"]).toBe("sign-in-limit");
    expect(labels(limiter)["homedock.limit"]).toBe("10 per user, 50 per address in 10m");
    const compose = composeFile(buildModel(limited())) as Json;
    expect(compose.services["frontdoor.signin-limit"]).toMatchObject({
      image: "haproxy:3.0.5",
      user: "0:0",
      cap_add: ["CAP_DAC_READ_SEARCH"],
      read_only: true,
      mem_limit: "128m",
      pids_limit: 64,
      networks: ["lab-login"],
    });
  });

  it("stands between the proxy and the sign-in, and counts 401s per user name and per address, with the config's limits", () => {
    const model = buildModel(limited({ perUser: 3, perAddress: 7, window: "15m" }));
    const caddyfile = renderCaddyfile(model, hashes);
    expect(caddyfile).not.toContain("lab-signin:4181");
    expect(caddyfile.match(/reverse_proxy lab-signin-limit:4182 \{/g)).toHaveLength(2);
    const config = frontDoorFiles(secretsDir(), model)["login-limit.cfg"];
    expect(config).toContain("\tserver sign_in lab-signin:4181 resolvers docker init-addr last,libc,none maxconn 4\n");
    expect(config).toContain("stick-table type string len 64 size 100k expire 900s store gpc0_rate(900s)\n");
    expect(config).toContain("stick-table type ipv6 size 100k expire 900s store gpc0_rate(900s)\n");
    expect(config).toContain("\tacl address_over sc_gpc0_rate(0),add(txn.address_under_way) gt 7\n");
    expect(config).toContain("\tacl name_over sc_gpc0_rate(1),add(txn.name_under_way) gt 3\n");
    // The address first: refused there, a sign-in is never tracked under its name.
    expect(config.indexOf(" if METH_POST address_over\n")).toBeLessThan(config.indexOf("track-sc1"));
    expect(config).toContain(" if METH_POST name_over\n");
    expect(config).toContain("hdr Retry-After 900 ");
    expect(config).toContain("\thttp-response sc-inc-gpc0(0) if { status 401 }\n\thttp-response sc-inc-gpc0(1) if { status 401 }\n");
  });

  it("is replaced when its limits change (its config's hash is a label), and not when users come and go", () => {
    const hash = (config: ConfigInput) =>
      labels(Object.values<Json>(synthHost(config).resource.docker_container).find((c) => c.name === "lab-signin-limit")!)["homedock.config"];
    expect(hash(limited())).toMatch(/^[0-9a-f]{16}$/);
    expect(hash(limited({ perUser: 10, perAddress: 50, window: "10m" }))).toBe(hash(limited()));
    expect(hash(limited({ perUser: 11 }))).not.toBe(hash(limited()));
    expect(hash(limited({ window: "11m" }))).not.toBe(hash(limited()));
    const fewer = limited();
    expect(hash({ ...fewer, users: fewer.users!.slice(0, 1) })).toBe(hash(limited()));
  });

  it("is not there with OpenID Connect (the provider checks passwords), where failedSignIns is a warning", () => {
    const model = buildModel(oidcConfig());
    expect((composeFile(model) as Json).services["frontdoor.signin-limit"]).toBeUndefined();
    expect(renderCaddyfile(model, {})).toContain("reverse_proxy lab-signin:4181 {");
    expect(Object.keys(frontDoorFiles(secretsDir("s3cret"), model))).not.toContain("login-limit.cfg");
    expect(validate(oidcConfig({ failedSignIns: { perUser: 3 } }), "config").warnings).toContain(
      "frontDoor.login.failedSignIns: not used with method: oidc (the provider checks passwords, and limits its own sign-ins)",
    );
  });
});
