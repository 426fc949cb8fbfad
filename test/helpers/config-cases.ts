// Bad configs, one mistake each, with the message each must produce.
import { stringify } from "yaml";

export const env = { name: "py", image: "course/python:1", command: ["jupyter", "notebook"] };
export const user = { name: "alice", uid: 1001, gid: 1001 };

/** A valid config with `patch` applied to it: a function of a fresh copy. */
export function configObject(patch: (c: any) => void): any {
  const c: any = { host: { name: "lab" }, environments: [{ ...env }], users: [{ ...user }, { name: "bob", uid: 1002, gid: 1002 }] };
  patch(c);
  return c;
}

/** A swarm of two nodes, with what a swarm requires (homes made elsewhere). */
export function onSwarm(c: any): void {
  c.host.createHomes = false;
  c.swarm = { nodes: [{ name: "node-1" }, { name: "node-2" }] };
}

export function config(patch: (c: any) => void): string {
  return stringify(configObject(patch));
}

// [what, patch, the message (after "line:col: "), as a substring]
export const cases: [string, (c: any) => void, string][] = [
  // user names
  ["user name ..", (c) => (c.users[0].name = ".."), `users[0].name: got ".."; expected 1-32 characters`],
  ["user name .", (c) => (c.users[0].name = "."), `users[0].name: got "."; expected`],
  ["user name with /", (c) => (c.users[0].name = "a/b"), `users[0].name: got "a/b"; expected`],
  ["empty user name", (c) => (c.users[0].name = ""), `users[0].name: got ""; expected`],
  ["user name with leading -", (c) => (c.users[0].name = "-rf"), `users[0].name: got "-rf"; expected`],
  ["user name with leading .", (c) => (c.users[0].name = ".alice"), `users[0].name: got ".alice"; expected`],
  ["user name with a space", (c) => (c.users[0].name = "al ice"), `users[0].name: got "al ice"; expected`],
  ["user name with a control character", (c) => (c.users[0].name = "al\u0007ice"), `users[0].name: got "al\\u0007ice"; expected`],
  ["user name over 32 characters", (c) => (c.users[0].name = "a".repeat(33)), `users[0].name: got "${"a".repeat(33)}"; expected`],
  ["user name in capitals", (c) => (c.users[0].name = "Alice"), `users[0].name: got "Alice"; expected`],
  ["user name a number", (c) => (c.users[0].name = 42), `users[0].name: got 42; expected 1-32 characters`],
  ["missing user name", (c) => delete c.users[0].name, `users[0].name: got nothing; expected 1-32 characters`],
  // environment names and directories
  ["environment name ..", (c) => (c.environments[0].name = ".."), `environments[0].name: got ".."; expected`],
  ["environment name with /", (c) => (c.environments[0].name = "py/3"), `environments[0].name: got "py/3"; expected`],
  ["environment name with a space", (c) => (c.environments[0].name = "py 3"), `environments[0].name: got "py 3"; expected`],
  ["empty environment name", (c) => (c.environments[0].name = ""), `environments[0].name: got ""; expected`],
  ["environment name over 32 characters", (c) => (c.environments[0].name = "p".repeat(40)), `environments[0].name: got "${"p".repeat(40)}"`],
  ["environment dir ..", (c) => (c.environments[0].dir = ".."), `environments[0].dir: got ".."; expected 1-64 characters`],
  ["environment dir with /", (c) => (c.environments[0].dir = "a/b"), `environments[0].dir: got "a/b"; expected`],
  ["environment dir with leading -", (c) => (c.environments[0].dir = "-x"), `environments[0].dir: got "-x"; expected`],
  ["environment dir with a newline", (c) => (c.environments[0].dir = "a\nb"), `environments[0].dir: got "a\\nb"; expected`],
  // ids
  ["uid 0", (c) => (c.users[0].uid = 0), `users[0].uid: got 0; expected a uid other than 0 (root), or allowRoot: true`],
  ["gid 0", (c) => (c.users[0].gid = 0), `users[0].gid: got 0; expected a gid other than 0 (root), or allowRoot: true`],
  [
    "supplementary gid 0",
    (c) => (c.users[0].supplementaryGids = [100, 0]),
    `users[0].supplementaryGids[1]: got 0; expected a gid other than 0 (root), or allowRoot: true`,
  ],
  ["negative uid", (c) => (c.users[0].uid = -5), `users[0].uid: got -5; expected a uid: a whole number from 1 to 4294967294`],
  ["fractional uid", (c) => (c.users[0].uid = 1000.5), `users[0].uid: got 1000.5; expected a uid`],
  ["uid above 2^32-2", (c) => (c.users[0].uid = 2 ** 32 - 1), `users[0].uid: got 4294967295; expected a uid`],
  ["uid as text", (c) => (c.users[0].uid = "1001"), `users[0].uid: got "1001"; expected a uid`],
  ["negative gid", (c) => (c.users[0].gid = -1), `users[0].gid: got -1; expected a gid`],
  ["supplementary gid not a number", (c) => (c.users[0].supplementaryGids = ["wheel"]), `users[0].supplementaryGids[0]: got "wheel"; expected a gid`],
  ["allowRoot not a boolean", (c) => (c.users[0].allowRoot = "yes"), `users[0].allowRoot: got "yes"; expected true or false`],
  // duplicates
  ["duplicate user name", (c) => (c.users[1].name = "alice"), `users[1].name: got "alice"; expected a user name not used before, but users[0] has it`],
  ["duplicate uid", (c) => (c.users[1].uid = 1001), `users[1].uid: got 1001; expected a uid not used before, but users[0] has it`],
  [
    "duplicate environment name",
    (c) => c.environments.push({ ...env }),
    `environments[1].name: got "py"; expected an environment name not used before, but environments[0] has it`,
  ],
  [
    "duplicate environment directory",
    (c) => c.environments.push({ ...env, name: "py2", dir: "py" }),
    `environments[1].dir: got "py"; expected an environment directory not used before, but environments[0] has it`,
  ],
  // paths
  ["relative home", (c) => (c.users[0].home = "home/alice"), `users[0].home: got "home/alice"; expected an absolute path`],
  ["home with ..", (c) => (c.users[0].home = "/home/../etc"), `users[0].home: got "/home/../etc"; expected an absolute path`],
  ["home with a trailing /", (c) => (c.users[0].home = "/home/alice/"), `users[0].home: got "/home/alice/"; expected an absolute path`],
  ["home /", (c) => (c.users[0].home = "/"), `users[0].home: got "/"; expected an absolute path`],
  ["relative home root", (c) => (c.host.homeRoot = "home"), `host.homeRoot: got "home"; expected an absolute path`],
  [
    "home inside another home",
    (c) => (c.users[1].home = "/home/alice/bob"),
    `users[1].home: got "/home/alice/bob"; expected a home apart from users[0]'s /home/alice`,
  ],
  ["the same home twice", (c) => (c.users[1].home = "/home/alice"), `users[1].home: got "/home/alice"; expected a home apart from users[0]'s /home/alice`],
  ["relative seed directory", (c) => (c.environments[0].seedDir = "jovyan"), `environments[0].seedDir: got "jovyan"; expected an absolute path`],
  [
    "seed exclude with ..",
    (c) => (c.environments[0].seedExcludes = ["../x"]),
    `environments[0].seedExcludes[0]: got "../x"; expected a relative path without '..'`,
  ],
  ["absolute seed exclude", (c) => (c.environments[0].seedExcludes = ["/etc"]), `environments[0].seedExcludes[0]: got "/etc"; expected a relative path`],
  ["relative shared mount source", (c) => (c.host.sharedMounts = [{ source: "data" }]), `host.sharedMounts[0].source: got "data"; expected an absolute path`],
  [
    "shared mount over the home root",
    (c) => (c.host.sharedMounts = [{ source: "/srv/data", target: "/home" }]),
    `host.sharedMounts[0].target: got "/home"; expected a mount target apart from every home and the home root`,
  ],
  [
    "shared mount inside a home",
    (c) => (c.host.sharedMounts = [{ source: "/srv/data", target: "/home/alice/data" }]),
    `host.sharedMounts[0].target: got "/home/alice/data"; expected a mount target apart from every home`,
  ],
  [
    "shared mount above an explicit home",
    (c) => {
      c.users[0].home = "/srv/people/alice";
      c.host.sharedMounts = [{ source: "/srv/data", target: "/srv/people" }];
    },
    `host.sharedMounts[0].target: got "/srv/people"; expected a mount target apart from every home`,
  ],
  [
    "shared mount over the seed directory",
    (c) => (c.host.sharedMounts = [{ source: "/srv/data", target: "/home/jovyan/data" }]),
    `host.sharedMounts[0].target: got "/home/jovyan/data"; expected a mount target apart from environments[0].seedDir`,
  ],
  [
    "shared mount over a custom seed directory",
    (c) => {
      c.environments[0].seedDir = "/opt/seed";
      c.host.sharedMounts = [{ source: "/srv/data", target: "/opt" }];
    },
    `host.sharedMounts[0].target: got "/opt"; expected a mount target apart from environments[0].seedDir`,
  ],
  [
    "two shared mounts, one inside the other",
    (c) => (c.host.sharedMounts = [{ source: "/srv/data" }, { source: "/srv/data/big" }]),
    `host.sharedMounts[1].source: got "/srv/data/big"; expected a mount target apart from host.sharedMounts[0]'s /srv/data`,
  ],
  [
    "shared mount over /etc",
    (c) => (c.host.sharedMounts = [{ source: "/srv/etc", target: "/etc" }]),
    `host.sharedMounts[0].target: got "/etc"; expected a mount target outside / itself`,
  ],
  [
    "shared mount over /",
    (c) => (c.host.sharedMounts = [{ source: "/srv/data", target: "/" }]),
    `host.sharedMounts[0].target: got "/"; expected an absolute path`,
  ],
  [
    "shared mount writable by the wrong key",
    (c) => (c.host.sharedMounts = [{ source: "/srv/scratch", readOnly: false }]),
    `host.sharedMounts[0].readOnly: got false; unknown key: expected one of source, target, writable`,
  ],
  [
    "writableFor beside writable: true",
    (c) => (c.host.sharedMounts = [{ source: "/srv/scratch", writable: true, writableFor: ["tas"] }]),
    `host.sharedMounts[0].writableFor: got ["tas"]; expected writableFor or writable: true, not both`,
  ],
  [
    "shared mount group name odd",
    (c) => (c.host.sharedMounts = [{ source: "/srv/course", groups: ["Teaching Assistants"] }]),
    `host.sharedMounts[0].groups[0]: got "Teaching Assistants"; expected 1-32 characters`,
  ],
  [
    "writableFor a single name",
    (c) => (c.host.sharedMounts = [{ source: "/srv/course", writableFor: "tas" }]),
    `host.sharedMounts[0].writableFor: got "tas"; expected a list of group names`,
  ],
  [
    "writable not a boolean",
    (c) => (c.host.sharedMounts = [{ source: "/srv/scratch", writable: "yes" }]),
    `host.sharedMounts[0].writable: got "yes"; expected true or false`,
  ],
  // limits
  ["memory 2X", (c) => (c.environments[0].memory = "2X"), `environments[0].memory: got "2X"; expected a size like 512m or 2g`],
  ["memory -1G", (c) => (c.environments[0].memory = "-1G"), `environments[0].memory: got "-1G"; expected a size`],
  ["memory 0", (c) => (c.environments[0].memory = "0"), `environments[0].memory: got "0"; expected a size`],
  [
    "memory below 6m",
    (c) => (c.users[0].memory = "4m"),
    `users[0].memory: got "4m"; expected a size like 512m or 2g (units b, k, m, g), at least 6m, in whole MiB`,
  ],
  ["memory as a number", (c) => (c.host.defaults = { memory: 2048 }), `host.defaults.memory: got 2048; expected a size`],
  ["cpus 0", (c) => (c.environments[0].cpus = 0), `environments[0].cpus: got 0; expected a number of CPUs greater than 0`],
  ["cpus abc", (c) => (c.environments[0].cpus = "abc"), `environments[0].cpus: got "abc"; expected a number of CPUs`],
  ["cpus negative", (c) => (c.users[0].cpus = -2), `users[0].cpus: got -2; expected a number of CPUs`],
  ["pids limit too small", (c) => (c.environments[0].pidsLimit = 3), `environments[0].pidsLimit: got 3; expected a whole number of processes from 16`],
  [
    "unknown restart policy",
    (c) => (c.host.defaults = { restart: "sometimes" }),
    `host.defaults.restart: got "sometimes"; expected one of no, always, unless-stopped, on-failure`,
  ],
  ["createHomes as a word", (c) => (c.host.createHomes = "no"), `host.createHomes: got "no"; expected true or false`],
  ["home mode not octal", (c) => (c.host.homeMode = "0799"), `host.homeMode: got "0799"; expected an octal mode like 0700`],
  // images, commands, ports, variables
  [
    "image in capitals",
    (c) => (c.environments[0].image = "Course/Python:1"),
    `environments[0].image: got "Course/Python:1"; expected a Docker image reference`,
  ],
  ["image with a space", (c) => (c.environments[0].image = "course python"), `environments[0].image: got "course python"; expected a Docker image reference`],
  [
    "image tag too odd",
    (c) => (c.environments[0].image = "course/python:-1"),
    `environments[0].image: got "course/python:-1"; expected a Docker image reference`,
  ],
  ["empty image", (c) => (c.environments[0].image = ""), `environments[0].image: got ""; expected a Docker image reference`],
  [
    "command as a string",
    (c) => (c.environments[0].command = "jupyter notebook"),
    `environments[0].command: got "jupyter notebook"; expected a list of strings`,
  ],
  ["empty command", (c) => (c.environments[0].command = []), `environments[0].command: got []; expected a non-empty list`],
  [
    "IPYTHONDIR, which homedock sets",
    (c) => (c.environments[0].env = { IPYTHONDIR: "/tmp" }),
    `environments[0].env: got "IPYTHONDIR"; expected a variable homedock does not set itself`,
  ],
  [
    "variable homedock sets",
    (c) => (c.environments[0].env = { HOME: "/root" }),
    `environments[0].env: got "HOME"; expected a variable homedock does not set itself`,
  ],
  [
    "variable with a bad name",
    (c) => (c.environments[0].env = { "MY-VAR": "x" }),
    `environments[0].env: got "MY-VAR"; expected a variable name (letters, digits, '_')`,
  ],
  ["variable value a number", (c) => (c.environments[0].env = { N: 3 }), `environments[0].env.N: got 3; expected a string value`],
  ["group name odd", (c) => (c.environments[0].groups = ["Stats Team"]), `environments[0].groups[0]: got "Stats Team"; expected 1-32 characters`],
  // unknown keys and wrong types
  ["typo memroy", (c) => (c.environments[0].memroy = "2g"), `environments[0].memroy: got "2g"; unknown key: expected one of`],
  ["port, which is gone", (c) => (c.environments[0].port = 8888), `environments[0].port: got 8888; unknown key: expected one of name, image`],
  ["typo uidd", (c) => (c.users[0].uidd = 5), `users[0].uidd: got 5; unknown key`],
  [
    "unknown top-level key",
    (c) => (c.hosts = {}),
    `hosts: got {}; unknown key: expected one of host, frontDoor, swarm, environments, users; did you mean "host"?`,
  ],
  ["unknown host key", (c) => (c.host.homeroot = "/home"), `host.homeroot: got "/home"; unknown key: expected one of name, homeRoot`],
  ["users not a list", (c) => (c.users = { alice: user }), `users: got {"alice":{"name":"alice","uid":1001,"gid":1001}}; expected a list of users`],
  ["environments missing", (c) => delete c.environments, `environments: got nothing; expected a list of environments`],
  ["no environments", (c) => (c.environments = []), `environments: got []; expected at least one environment`],
  ["host not a mapping", (c) => (c.host = "lab"), `host: got "lab"; expected a mapping of host settings`],
  // the front door
  [
    "site with a scheme",
    (c) => (c.frontDoor = { site: "https://lab.example.org" }),
    `frontDoor.site: got "https://lab.example.org"; expected a host name like lab.example.org or an IPv4 address`,
  ],
  ["site with a path", (c) => (c.frontDoor = { site: "lab.example.org/x" }), `frontDoor.site: got "lab.example.org/x"; expected a host name`],
  [
    "site with a port",
    (c) => (c.frontDoor = { site: "lab:443" }),
    `frontDoor.site: got "lab:443"; expected a host name like lab.example.org or an IPv4 address, without scheme, port or path`,
  ],
  ["site with a brace", (c) => (c.frontDoor = { site: "lab{x}" }), `frontDoor.site: got "lab{x}"; expected a host name`],
  ["site with a space", (c) => (c.frontDoor = { site: "lab example" }), `frontDoor.site: got "lab example"; expected a host name`],
  ["site a wildcard", (c) => (c.frontDoor = { site: "*.example.org" }), `frontDoor.site: got "*.example.org"; expected a host name`],
  ["site missing", (c) => (c.frontDoor = {}), `frontDoor.site: got nothing; expected a host name`],
  [
    "listen not an address",
    (c) => (c.frontDoor = { site: "lab.example.org", listen: ["localhost"] }),
    `frontDoor.listen[0]: got "localhost"; expected an IPv4 address`,
  ],
  [
    "https port 0",
    (c) => (c.frontDoor = { site: "lab.example.org", httpsPort: 0 }),
    `frontDoor.httpsPort: got 0; expected a HTTPS port number from 1 to 65535`,
  ],
  [
    "the same port twice",
    (c) => (c.frontDoor = { site: "lab.example.org", httpsPort: 8080, httpPort: 8080 }),
    `frontDoor.httpPort: got 8080; expected a port other than httpsPort`,
  ],
  [
    "tls unknown",
    (c) => (c.frontDoor = { site: "lab.example.org", tls: "letsencrypt" }),
    `frontDoor.tls: got "letsencrypt"; expected one of internal, acme, files`,
  ],
  ["acme without email", (c) => (c.frontDoor = { site: "lab.example.org", tls: "acme" }), `frontDoor.tls: got "acme"; expected email beside tls: acme`],
  [
    "acme for localhost",
    (c) => (c.frontDoor = { site: "localhost", tls: "acme", email: "a@example.org" }),
    `frontDoor.site: got "localhost"; expected a public DNS name for tls: acme`,
  ],
  [
    "email not an address",
    (c) => (c.frontDoor = { site: "lab.example.org", tls: "acme", email: "admin" }),
    `frontDoor.email: got "admin"; expected an email address`,
  ],
  [
    "files without a key",
    (c) => (c.frontDoor = { site: "lab.example.org", tls: "files", certFile: "/etc/ssl/lab.pem" }),
    `frontDoor.tls: got "files"; expected keyFile beside tls: files`,
  ],
  [
    "certFile relative",
    (c) => (c.frontDoor = { site: "lab.example.org", tls: "files", certFile: "lab.pem", keyFile: "/k" }),
    `frontDoor.certFile: got "lab.pem"; expected an absolute path`,
  ],
  [
    "runtimeRoot in the home root",
    (c) => (c.frontDoor = { site: "lab.example.org", runtimeRoot: "/home/run" }),
    `frontDoor.runtimeRoot: got "/home/run"; expected a directory apart from every home and the home root`,
  ],
  [
    "runtimeRoot holding the engine's data",
    (c) => (c.frontDoor = { site: "lab.example.org", runtimeRoot: "/var/lib" }),
    `frontDoor.runtimeRoot: got "/var/lib"; expected a directory that does not hold /var/lib/docker`,
  ],
  [
    "certFile the Docker socket",
    (c) => (c.frontDoor = { site: "lab.example.org", tls: "files", certFile: "/var/run/docker.sock", keyFile: "/etc/ssl/lab.key" }),
    `frontDoor.certFile: got "/var/run/docker.sock"; expected a file outside /var/run, which holds the sockets`,
  ],
  [
    "keyFile elsewhere in /etc",
    (c) => (c.frontDoor = { site: "lab.example.org", tls: "files", certFile: "/etc/ssl/lab.pem", keyFile: "/etc/shadow" }),
    `frontDoor.keyFile: got "/etc/shadow"; expected a file in /etc/ssl, /etc/letsencrypt, /etc/pki, or outside /etc, which holds the accounts and their passwords, sudoers, cron and every service's configuration; it is mounted into the proxy`,
  ],
  [
    "certFile /etc itself",
    (c) => (c.frontDoor = { site: "lab.example.org", tls: "files", certFile: "/etc", keyFile: "/etc/ssl/lab.key" }),
    `frontDoor.certFile: got "/etc"; expected a file in /etc/ssl, /etc/letsencrypt, /etc/pki, or outside /etc, which holds the accounts and their passwords, sudoers, cron and every service's configuration; it is mounted into the proxy`,
  ],
  // the login
  ...((): [string, (c: any) => void, string][] => {
    const oidc = { method: "oidc", issuer: "https://login.example.org/realms/course", clientId: "homedock" };
    const login = (l: object) => (c: any) => (c.frontDoor = { site: "lab.example.org", login: l });
    return [
      ["login method unknown", login({ method: "ldap" }), `frontDoor.login.method: got "ldap"; expected one of password, oidc`],
      ["oidc without an issuer", login({ method: "oidc", clientId: "homedock" }), `frontDoor.login.method: got "oidc"; expected issuer beside method: oidc`],
      ["oidc without a client id", login({ method: "oidc", issuer: oidc.issuer }), `frontDoor.login.method: got "oidc"; expected clientId beside method: oidc`],
      [
        "issuer over http",
        login({ ...oidc, issuer: "http://login.example.org/realms/course" }),
        `frontDoor.login.issuer: got "http://login.example.org/realms/course"; expected an https URL (http only on a loopback address, for tests)`,
      ],
      [
        "issuer with a query",
        login({ ...oidc, issuer: "https://login.example.org/?x=1" }),
        `frontDoor.login.issuer: got "https://login.example.org/?x=1"; expected an https URL like`,
      ],
      ["issuer not a URL", login({ ...oidc, issuer: "login.example.org" }), `frontDoor.login.issuer: got "login.example.org"; expected an https URL like`],
      ["client id with a space", login({ ...oidc, clientId: "home dock" }), `frontDoor.login.clientId: got "home dock"; expected an OAuth client id`],
      ["claim with a brace", login({ ...oidc, claim: "{email}" }), `frontDoor.login.claim: got "{email}"; expected an ID token claim name`],
      ["session not a duration", login({ session: "8 hours" }), `frontDoor.login.session: got "8 hours"; expected a duration like 8h, 90m or 1h30m`],
      ["session in days", login({ session: "1d" }), `frontDoor.login.session: got "1d"; expected a duration like 8h`],
      ["session a number", login({ session: 3600 }), `frontDoor.login.session: got 3600; expected a duration like 8h`],
      [
        "session under a minute",
        login({ session: "30s" }),
        `frontDoor.login.session: got "30s"; expected a duration like 8h, 90m or 1h30m (h, m, s), from 1m to 30 days`,
      ],
      [
        "session over 30 days",
        login({ session: "721h" }),
        `frontDoor.login.session: got "721h"; expected a duration like 8h, 90m or 1h30m (h, m, s), from 1m to 30 days`,
      ],
      [
        "login caFile in /etc",
        login({ ...oidc, caFile: "/etc/passwd" }),
        `frontDoor.login.caFile: got "/etc/passwd"; expected a file in /etc/ssl, /etc/letsencrypt, /etc/pki, or outside /etc`,
      ],
      ["login image with a space", login({ image: "oauth2 proxy" }), `frontDoor.login.image: got "oauth2 proxy"; expected a Docker image reference`],
      ["login unknown key", login({ provider: "github" }), `frontDoor.login.provider: got "github"; unknown key: expected one of method, session`],
      [
        "failedSignIns perUser zero",
        login({ failedSignIns: { perUser: 0 } }),
        `frontDoor.login.failedSignIns.perUser: got 0; expected a whole number of failed sign-ins for one user name, from 1 to 100000`,
      ],
      [
        "failedSignIns perAddress not whole",
        login({ failedSignIns: { perAddress: 2.5 } }),
        `frontDoor.login.failedSignIns.perAddress: got 2.5; expected a whole number of failed sign-ins from one address, from 1 to 100000`,
      ],
      [
        "failedSignIns perUser a string",
        login({ failedSignIns: { perUser: "ten" } }),
        `frontDoor.login.failedSignIns.perUser: got "ten"; expected a whole number of failed sign-ins for one user name`,
      ],
      [
        "failedSignIns window over a day",
        login({ failedSignIns: { window: "25h" } }),
        `frontDoor.login.failedSignIns.window: got "25h"; expected a duration like 10m or 1h (h, m, s), from 1m to 24h`,
      ],
      [
        "failedSignIns window not a duration",
        login({ failedSignIns: { window: "ten minutes" } }),
        `frontDoor.login.failedSignIns.window: got "ten minutes"; expected a duration like 10m or 1h`,
      ],
      [
        "failedSignIns image with a space",
        login({ failedSignIns: { image: "ha proxy" } }),
        `frontDoor.login.failedSignIns.image: got "ha proxy"; expected a Docker image reference`,
      ],
      [
        "failedSignIns unknown key",
        login({ failedSignIns: { perIp: 5 } }),
        `frontDoor.login.failedSignIns.perIp: got 5; unknown key: expected one of perUser, perAddress, window, image`,
      ],
      [
        "identity with a space",
        (c) => {
          login(oidc)(c);
          c.users[0].identity = "alice smith";
        },
        `users[0].identity: got "alice smith"; expected a claim value`,
      ],
      [
        "identity a pattern",
        (c) => {
          login(oidc)(c);
          c.users[0].identity = "*";
        },
        `users[0].identity: got "*"; expected a claim value`,
      ],
      [
        "identity given to two users",
        (c) => {
          login(oidc)(c);
          c.users[0].identity = "a@example.org";
          c.users[1].identity = "a@example.org";
        },
        `users[1].identity: got "a@example.org"; expected an identity of its own: users[0] signs in as the same`,
      ],
      [
        "identity another user's name",
        (c) => {
          login(oidc)(c);
          c.users[0].identity = "bob";
        },
        `users[1].name: got "bob"; expected an identity of its own: users[0] signs in as the same (each user is one value of the claim preferred_username)`,
      ],
    ];
  })(),
  [
    "runtimeRoot in /etc",
    (c) => (c.frontDoor = { site: "lab.example.org", runtimeRoot: "/etc/homedock" }),
    `frontDoor.runtimeRoot: got "/etc/homedock"; expected a directory outside /etc, which holds the accounts`,
  ],
  [
    "runtimeRoot under a shared mount",
    (c) => (c.frontDoor = { site: "lab.example.org", runtimeRoot: "/srv/data/run" }),
    `frontDoor.runtimeRoot: got "/srv/data/run"; expected a directory apart from host.sharedMounts[0]`,
  ],
  [
    "typo in frontDoor",
    (c) => (c.frontDoor = { site: "lab.example.org", tsl: "internal" }),
    `frontDoor.tsl: got "internal"; unknown key: expected one of site, listen`,
  ],
  ["jupyter unknown", (c) => (c.environments[0].jupyter = "lab"), `environments[0].jupyter: got "lab"; expected one of server, notebook`],
  [
    "idle timeout without jupyter",
    (c) => (c.environments[0].idleKernelTimeout = 600),
    `environments[0].idleKernelTimeout: got 600; expected jupyter: server or notebook beside it`,
  ],
  [
    "idle timeout too short",
    (c) => Object.assign(c.environments[0], { jupyter: "server", idleKernelTimeout: 5 }),
    `environments[0].idleKernelTimeout: got 5; expected a whole number of seconds from 60`,
  ],
  [
    "idleTimeout under 10 s",
    (c) => ((c.frontDoor = { site: "lab.example.org" }), Object.assign(c.environments[0], { jupyter: "server", idleTimeout: 5 })),
    `environments[0].idleTimeout: got 5; expected a whole number of seconds from 10 to 31536000`,
  ],
  [
    "idleTimeout not whole",
    (c) => ((c.frontDoor = { site: "lab.example.org" }), Object.assign(c.environments[0], { jupyter: "server", idleTimeout: 30.5 })),
    `environments[0].idleTimeout: got 30.5; expected a whole number of seconds from 10 to 31536000`,
  ],
  [
    "idleTimeout as a string",
    (c) => ((c.frontDoor = { site: "lab.example.org" }), Object.assign(c.environments[0], { jupyter: "server", idleTimeout: "1h" })),
    `environments[0].idleTimeout: got "1h"; expected a whole number of seconds from 10 to 31536000`,
  ],
  [
    "idleTimeout without jupyter",
    (c) => ((c.frontDoor = { site: "lab.example.org" }), (c.environments[0].idleTimeout = 600)),
    `environments[0].idleTimeout: got 600; expected jupyter: server or notebook beside it (homedock learns a server's activity from Jupyter)`,
  ],
  [
    "idleTimeout without a front door",
    (c) => Object.assign(c.environments[0], { jupyter: "notebook", idleTimeout: 600 }),
    `environments[0].idleTimeout: got 600; expected a frontDoor beside it: a workspace stopped for idleness is started again by its owner's visit through the front door`,
  ],
  [
    "host.defaults.idleTimeout without a front door",
    (c) => (c.host = { defaults: { idleTimeout: 600 } }),
    `host.defaults.idleTimeout: got 600; expected a frontDoor beside it`,
  ],
  [
    "host.defaults.idleTimeout under 10 s",
    (c) => ((c.frontDoor = { site: "lab.example.org" }), (c.host = { defaults: { idleTimeout: 9 } })),
    `host.defaults.idleTimeout: got 9; expected a whole number of seconds from 10 to 31536000`,
  ],
  [
    "--port= behind the front door",
    (c) => (
      (c.frontDoor = { site: "lab.example.org" }),
      Object.assign(c.environments[0], { jupyter: "notebook", command: ["jupyter", "notebook", "--port=8888"] })
    ),
    `environments[0].command[2]: got "--port=8888"; expected no --port/--ip: the front door gives the server a unix socket`,
  ],
  [
    "--ip behind the front door",
    (c) => (
      (c.frontDoor = { site: "lab.example.org" }),
      Object.assign(c.environments[0], { jupyter: "server", command: ["jupyter", "lab", "--ip", "0.0.0.0"] })
    ),
    `environments[0].command[2]: got "--ip"; expected no --port/--ip`,
  ],
  [
    "--ServerApp.port behind the front door",
    (c) => (
      (c.frontDoor = { site: "lab.example.org" }),
      Object.assign(c.environments[0], { jupyter: "server", command: ["jupyter", "lab", "--ServerApp.port=9000"] })
    ),
    `environments[0].command[2]: got "--ServerApp.port=9000"; expected no --port/--ip`,
  ],
  [
    "--NotebookApp.ip behind the front door",
    (c) => (
      (c.frontDoor = { site: "lab.example.org" }),
      Object.assign(c.environments[0], { jupyter: "notebook", command: ["jupyter", "notebook", "--NotebookApp.ip=0.0.0.0"] })
    ),
    `environments[0].command[2]: got "--NotebookApp.ip=0.0.0.0"; expected no --port/--ip`,
  ],
  [
    "shared mount on the socket directory",
    (c) => (
      (c.frontDoor = { site: "lab.example.org" }),
      (c.environments[0].jupyter = "notebook"),
      (c.host.sharedMounts = [{ source: "/srv/run", target: "/run/homedock" }])
    ),
    `host.sharedMounts[0].target: got "/run/homedock"; expected a mount target apart from /run/homedock`,
  ],
  [
    "shared mount holding the socket directory",
    (c) => (
      (c.frontDoor = { site: "lab.example.org" }),
      (c.environments[0].jupyter = "server"),
      (c.host.sharedMounts = [{ source: "/srv/run", target: "/run" }])
    ),
    `host.sharedMounts[0].target: got "/run"; expected a mount target apart from /run/homedock`,
  ],
  [
    "shared mount inside the socket directory",
    (c) => (
      (c.frontDoor = { site: "lab.example.org" }),
      (c.environments[0].jupyter = "server"),
      (c.host.sharedMounts = [{ source: "/srv/run", target: "/run/homedock/x" }])
    ),
    `host.sharedMounts[0].target: got "/run/homedock/x"; expected a mount target apart from /run/homedock`,
  ],
  // a swarm section
  [
    "user pinned to a node not in swarm.nodes",
    (c) => (onSwarm(c), (c.users[0].node = "node-9")),
    `users[0].node: got "node-9"; expected one of swarm.nodes: node-1, node-2`,
  ],
  [
    "user pinned to a node without a swarm section",
    (c) => (c.users[0].node = "node-1"),
    `users[0].node: got "node-1"; expected no node without a swarm section`,
  ],
  ["empty node list", (c) => (onSwarm(c), (c.swarm.nodes = [])), `swarm.nodes: got []; expected at least one node`],
  [
    "swarm section a list, with a user pinned",
    (c) => (onSwarm(c), (c.swarm = ["node-1"]), (c.users[0].node = "node-1")),
    `swarm: got ["node-1"]; expected a mapping with nodes`,
  ],
  ["no node list", (c) => (onSwarm(c), (c.swarm = {})), `swarm.nodes: got nothing; expected a list of nodes`],
  [
    "repeated node name",
    (c) => (onSwarm(c), c.swarm.nodes.push({ name: "node-1" })),
    `swarm.nodes[2].name: got "node-1"; expected a node name not used before, but swarm.nodes[0] has it`,
  ],
  [
    "node name with a space",
    (c) => (onSwarm(c), (c.swarm.nodes[0].name = "node 1")),
    `swarm.nodes[0].name: got "node 1"; expected a node label value: 1-63 lowercase`,
  ],
  ["node name with an operator", (c) => (onSwarm(c), (c.swarm.nodes[0].name = "a!=b")), `swarm.nodes[0].name: got "a!=b"; expected a node label value`],
  ["node name in capitals", (c) => (onSwarm(c), (c.swarm.nodes[0].name = "Node-1")), `swarm.nodes[0].name: got "Node-1"; expected a node label value`],
  [
    "node name over 63 characters",
    (c) => (onSwarm(c), (c.swarm.nodes[0].name = "n".repeat(64))),
    `swarm.nodes[0].name: got "${"n".repeat(56)}...; expected a node label value`,
  ],
  ["node as a bare name", (c) => (onSwarm(c), (c.swarm.nodes[0] = "node-1")), `swarm.nodes[0]: got "node-1"; expected a mapping with name`],
  [
    "swarm with createHomes, by default",
    (c) => (onSwarm(c), delete c.host.createHomes),
    `host.createHomes: got true; expected false with a swarm section: homes are on storage every node mounts`,
  ],
  [
    "swarm with a front door listening on one address",
    (c) => (onSwarm(c), (c.frontDoor = { site: "lab.example.org", listen: ["127.0.0.1"] })),
    `frontDoor.listen: got ["127.0.0.1"]; expected [0.0.0.0] with a swarm section: the entry proxy publishes its ports on its node in host mode`,
  ],
  [
    "swarm with a front door's certificate files",
    (c) => (onSwarm(c), (c.frontDoor = { site: "lab.example.org", tls: "files", certFile: "/srv/tls/cert.pem", keyFile: "/srv/tls/key.pem" })),
    `frontDoor.tls: got "files"; expected internal or acme with a swarm section: a private key of the machine homedock runs on is not carried`,
  ],
  [
    "swarm with a front door and an idle timeout",
    (c) => (onSwarm(c), (c.frontDoor = { site: "lab.example.org" }), (c.environments[0].jupyter = "notebook"), (c.environments[0].idleTimeout = 3600)),
    `environments[0].idleTimeout: got 3600; expected no idleTimeout with a swarm section and a front door: idle stop and wake are not yet across nodes`,
  ],
  [
    "swarm with a front door and a default idle timeout",
    (c) => (onSwarm(c), (c.frontDoor = { site: "lab.example.org" }), (c.host.defaults = { idleTimeout: 3600 })),
    `host.defaults.idleTimeout: got 3600; expected no idleTimeout with a swarm section and a front door`,
  ],
  [
    "swarm with a front door and a node name with a dot",
    (c) => (onSwarm(c), (c.frontDoor = { site: "lab.example.org" }), (c.swarm.nodes[1].name = "rack.2")),
    `swarm.nodes[1].name: got "rack.2"; expected a name without "." with a front door: it names the node's proxy (door--rack.2)`,
  ],
  [
    "swarm with a front door and a workspace named as a node's proxy",
    (c) => (onSwarm(c), (c.frontDoor = { site: "lab.example.org" }), (c.users[1].name = "door"), (c.environments[0].name = "node-2")),
    `users[1].name: got "door"; expected a workspace service name not used before, but the proxy of swarm.nodes[1] is lab_door--node-2 too`,
  ],
  [
    "swarm with a network",
    (c) => (onSwarm(c), (c.host.network = "lab")),
    `host.network: got "lab"; expected no network with a swarm section: workspaces are on each node's default bridge`,
  ],
  [
    "swarm with supplementary gids",
    (c) => (onSwarm(c), (c.users[1].supplementaryGids = [100])),
    `users[1].supplementaryGids: got [100]; expected none with a swarm section: a stack file cannot give a service extra groups`,
  ],
  [
    "swarm with a host name Swarm refuses",
    (c) => (onSwarm(c), (c.host.name = "_lab")),
    `host.name: got "_lab"; expected a host name starting with a letter or digit with a swarm section`,
  ],
  [
    "swarm with an environment name Swarm refuses",
    (c) => (onSwarm(c), (c.environments[0].name = "py-")),
    `environments[0].name: got "py-"; expected a name ending in a letter or digit with a swarm section`,
  ],
  [
    "swarm with a service name over 63 characters",
    (c) => (onSwarm(c), (c.users[0].name = "a".repeat(32)), (c.environments[0].name = "p".repeat(26))),
    `users[0].name: got "${"a".repeat(32)}"; expected a shorter name with a swarm section: its workspace in ${"p".repeat(26)} is the Swarm service lab_${"a".repeat(32)}--${"p".repeat(26)}, 64 characters (at most 63)`,
  ],
  [
    "swarm with two workspaces of one service name",
    (c) => (
      onSwarm(c),
      (c.users[0].name = "a--b"),
      (c.users[1].name = "a"),
      (c.environments = [
        { ...env, name: "c" },
        { ...env, name: "b--c", dir: "bc" },
      ])
    ),
    `users[1].name: got "a"; expected a workspace service name not used before, but users[0]'s workspace is lab_a--b--c too`,
  ],
];
