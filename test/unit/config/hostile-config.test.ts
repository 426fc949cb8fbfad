// A config from an untrusted pull request: whatever the file holds, reading it ends
// soon with a model or one clear error, and no config hands a workspace the host.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import { ConfigError } from "../../../src/config/issues";
import { loadConfig, parseConfig } from "../../../src/model/load";
import { MAX_CONFIG_BYTES, MAX_CONFIG_NODES } from "../../../src/config/bounds";
import { HOST_CONTROL } from "../../../src/model/checks/host-paths";
import { configObject, env } from "../../helpers/config-cases";
import { bombUnderCommand, bombUnderUnknownKey } from "../../helpers/hostile";

const work = mkdtempSync(path.join(tmpdir(), "homedock-hostile-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function linesOf(read: () => unknown): string[] {
  try {
    read();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.lines];
    throw err;
  }
  throw new Error("the config was accepted");
}
const errorsOf = (text: string) => linesOf(() => parseConfig(text, "homedock.yaml"));
const modelErrors = (input: unknown) => linesOf(() => buildModel(input));

const valid = "environments:\n  - {name: py, image: course/python:1, command: [jupyter]}\nusers:\n  - {name: alice, uid: 1001, gid: 1001}\n";

describe("aliases", () => {
  it("the billion laughs under a key the schema does not know: one line at the alias that passes the budget", () => {
    expect(errorsOf(bombUnderUnknownKey)).toEqual([
      "11:16: alias *a4: expected at most 200,000 nodes (keys, values and items) in the config, aliases expanded; with this one it has 234,587",
    ]);
  });

  it("the billion laughs where a list of strings is expected (an environment's command)", () => {
    expect(errorsOf(bombUnderCommand)).toEqual([
      expect.stringMatching(/^4:\d+: alias \*a4: expected at most 200,000 nodes .* aliases expanded; with this one it has [\d,]+$/),
    ]);
  });

  it("an alias inside the node it names: refused, not an endless value", () => {
    expect(errorsOf("environments: &e [{name: py, image: a/b:1, command: *e}]\n")).toEqual([
      "1:53: alias *e: expected an alias to a node that does not hold it (this value would never end)",
    ]);
  });

  it("nesting past 100 levels made of aliases", () => {
    const text = `deep: &d ${"[".repeat(90)}${"]".repeat(90)}\nenvironments: ${"[".repeat(20)}*d${"]".repeat(20)}\n`;
    expect(errorsOf(text)).toEqual(["2:35: alias *d: expected at most 100 levels of nesting, aliases expanded; with this one it has 111"]);
  });

  it("a config that uses aliases within the budget reads as if written out", () => {
    const text = `x-cmd: &cmd [jupyter, lab]\n${valid.replace("command: [jupyter]", "command: *cmd")}`;
    expect(errorsOf(text)).toEqual([expect.stringMatching(/^1:13: x-cmd: got \["jupyter","lab"\]; unknown key: expected one of host, /)]);
  });
});

describe("size", () => {
  it(`more than ${MAX_CONFIG_NODES.toLocaleString("en-US")} nodes without a single alias: refused where it passes`, () => {
    const text = `environments: [${"1,".repeat(MAX_CONFIG_NODES)}1]\n`;
    expect(text.length).toBeLessThan(MAX_CONFIG_BYTES);
    expect(errorsOf(text)).toEqual([
      `1:${16 + 2 * (MAX_CONFIG_NODES - 3)}: expected at most 200,000 nodes (keys, values and items) in the config; it has more from here`,
    ]);
  });

  it("text over 1 MiB is refused before it is parsed", () => {
    expect(errorsOf(`# ${"x".repeat(MAX_CONFIG_BYTES)}\n`)).toEqual([
      `(the whole file): got ${MAX_CONFIG_BYTES + 3} bytes; expected a config of at most 1 MiB`,
    ]);
  });

  it("a file over 1 MiB is read no further than the limit", () => {
    const file = path.join(work, "big.yaml");
    writeFileSync(file, `${valid}# ${"x".repeat(MAX_CONFIG_BYTES)}\n`);
    expect(linesOf(() => loadConfig(file))).toEqual([`(the whole file): got more than ${MAX_CONFIG_BYTES} bytes; expected a config of at most 1 MiB`]);
  });

  it("a device that never ends is not read at all", () => {
    expect(linesOf(() => loadConfig("/dev/zero"))).toEqual(["(the whole file): got something other than a file; expected a regular file"]);
  });

  it("lists 50 problems and counts the rest", () => {
    const lines = errorsOf(`environments: [${"1,".repeat(999)}1]\n`);
    expect(lines).toHaveLength(51);
    expect(lines[0]).toBe("1:16: environments[0]: got 1; expected a mapping with name, image and command");
    expect(lines[50]).toBe("... and 950 more problems");
  });

  it("counts every problem of a config with more than it places, and lists the first in file order", () => {
    // 3,000 wrong environments and 2,000 unknown keys: more than are mapped and placed.
    const keys = Array.from({ length: 2_000 }, (_, i) => `k${i}: 1`).join(", ");
    const lines = errorsOf(`environments: [${"1,".repeat(2_999)}1]\nhost: {${keys}}\n`);
    expect(lines).toHaveLength(51);
    expect(lines[0]).toBe("1:16: environments[0]: got 1; expected a mapping with name, image and command");
    expect(lines[49]).toBe("1:114: environments[49]: got 1; expected a mapping with name, image and command");
    expect(lines[50]).toBe("... and 4950 more problems");
  });
});

describe("long values in messages are cut to a readable length", () => {
  const cut = (line: string) => expect(line.length, line).toBeLessThan(200);

  it("a long string", () => {
    const [line] = errorsOf(valid.replace("name: alice", `name: ${"x".repeat(1_000_000)}`));
    expect(line).toMatch(/^4:12: users\[0\]\.name: got "x{56}\.\.\.; expected 1-32 characters/);
    cut(line);
  });

  it("a long key the schema does not know (and no 'did you mean' for it)", () => {
    const [line] = errorsOf(valid.replace("uid: 1001", `${"k".repeat(100_000)}: 1, uid: 1001`));
    expect(line).toMatch(/^4:\d+: users\[0\]\["k{56}\.\.\.\]: got 1; unknown key: expected one of name, uid, gid/);
    expect(line).not.toContain("did you mean");
    // The key is cut; the list of the keys there are is the schema's own, and grows with it.
    cut(line.replace(/expected one of .*$/, ""));
  });

  it("a key with a newline is quoted, so the line stays one line", () => {
    expect(modelErrors({ environments: [{ ...env, "a\nb": 1 }] })[0]).toMatch(/^environments\[0\]\["a\\nb"\]: got 1; unknown key/);
  });

  it("a large list where a string is expected", () => {
    const [line] = errorsOf(valid.replace("name: alice", `name: [${"lol,".repeat(100_000)}lol]`));
    expect(line).toMatch(/^4:12: users\[0\]\.name: got \["lol","lol",.*\.\.\.; expected 1-32 characters/);
    cut(line);
  });

  it("a value that holds itself, given in code", () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    const [line] = modelErrors(configObject((c) => (c.environments[0].command = loop)));
    expect(line).toBe(
      'environments[0].command: got {"self":{"self":{"self":{"self":{"self":{"self":{"self":{...; expected a list of strings (the command and its arguments)',
    );
  });

  it("an image name that once made the pattern backtrack for hours", () => {
    expect(modelErrors(configObject((c) => (c.environments[0].image = `${"a".repeat(40)}!`)))).toEqual([
      `environments[0].image: got "${"a".repeat(40)}!"; expected a Docker image reference like registry.example.org/course/python:2026.1`,
    ]);
  });

  it("cpus of a million zeros", () => {
    expect(modelErrors(configObject((c) => (c.host.defaults = { cpus: `${"0".repeat(1_000_000)}x` })))[0]).toMatch(
      /^host\.defaults\.cpus: got "0{56}\.\.\.; expected a number of CPUs/,
    );
  });
});

describe("host paths that hand over the host", () => {
  const refused = [
    ...HOST_CONTROL.map((d) => d.path),
    "/run/docker.sock",
    "/var/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/run/podman/podman.sock",
    "/run/dbus/system_bus_socket",
    "/var/lib/docker/volumes",
    "/etc/shadow",
    "/lib/modules",
  ];
  // "/" itself is no path the schema takes (nor is any with "." or ".."): see "paths" in config-cases.
  const holders = ["/var", "/var/lib", "/var/spool"];

  it.each(refused)("shared-mount source %s: refused, saying what it holds", (source) => {
    const control = HOST_CONTROL.find((d) => source === d.path || source.startsWith(`${d.path}/`))!;
    expect(modelErrors(configObject((c) => (c.host.sharedMounts = [{ source, target: "/mnt/shared" }])))).toEqual([
      `host.sharedMounts[0].source: got "${source}"; expected a source outside ${control.path}, which holds ${control.holds}; every workspace would have it`,
    ]);
  });

  it.each(holders)("shared-mount source %s, which holds such a directory: refused", (source) => {
    const [line] = modelErrors(configObject((c) => (c.host.sharedMounts = [{ source, target: "/mnt/shared" }])));
    expect(line).toMatch(
      new RegExp(
        `^host\\.sharedMounts\\[0\\]\\.source: got "${source}"; expected a source that does not hold /\\S+, which holds .*; every workspace would have it$`,
      ),
    );
  });

  it("read-only makes no difference: a socket answers through a read-only mount", () => {
    expect(
      modelErrors(configObject((c) => (c.host.sharedMounts = [{ source: "/var/run/docker.sock", target: "/var/run/docker.sock", writable: false }]))),
    ).toHaveLength(1);
  });

  it("a source with no target is reported once, as a source", () => {
    expect(modelErrors(configObject((c) => (c.host.sharedMounts = [{ source: "/etc" }])))).toEqual([
      expect.stringMatching(/^host\.sharedMounts\[0\]\.source: got "\/etc"; expected a source outside \/etc/),
    ]);
  });

  it("a source that holds the homes, lies in one, or is the front door's socket tree", () => {
    const lines = modelErrors(
      configObject((c) => {
        c.frontDoor = { site: "lab.example.org", runtimeRoot: "/srv/homedock" };
        c.host.sharedMounts = [
          { source: "/home", target: "/mnt/a" },
          { source: "/home/bob/public", target: "/mnt/b" },
          { source: "/srv/homedock", target: "/mnt/c" },
        ];
      }),
    );
    expect(lines).toEqual([
      'host.sharedMounts[0].source: got "/home"; expected a source apart from every home and the home root: every workspace would have them',
      'host.sharedMounts[1].source: got "/home/bob/public"; expected a source apart from every home and the home root: every workspace would have them',
      'host.sharedMounts[2].source: got "/srv/homedock"; expected a source apart from frontDoor.runtimeRoot /srv/homedock, which holds every workspace\'s server socket',
    ]);
  });

  it("a source inside another mount's writable source, where a workspace can put a link", () => {
    expect(
      modelErrors(
        configObject(
          (c) =>
            (c.host.sharedMounts = [
              { source: "/srv/scratch", target: "/scratch", writable: true },
              { source: "/srv/scratch/data", target: "/data" },
            ]),
        ),
      ),
    ).toEqual([
      'host.sharedMounts[1].source: got "/srv/scratch/data"; expected a source outside host.sharedMounts[0]\'s writable source: any workspace can put a link to anywhere there',
    ]);
    // Writable for one group is writable: a TA's workspace is enough.
    expect(
      modelErrors(
        configObject(
          (c) =>
            (c.host.sharedMounts = [
              { source: "/srv/course", writableFor: ["tas"] },
              { source: "/srv/course/data", target: "/data" },
            ]),
        ),
      ),
    ).toEqual([
      'host.sharedMounts[1].source: got "/srv/course/data"; expected a source outside host.sharedMounts[0]\'s writable source: any workspace can put a link to anywhere there',
    ]);
  });

  it.each(["/etc", "/var/run", "/run/user/1001", "/root", "/var"])("home %s: refused (the workspace mounts it read-write)", (home) => {
    const [line] = modelErrors(configObject((c) => (c.users[0].home = home)));
    expect(line).toMatch(
      new RegExp(
        `^users\\[0\\]\\.home: got "${home}"; expected a home (outside|that does not hold) /\\S+, which holds .*; the workspace mounts its home read-write$`,
      ),
    );
  });

  it("a home whose parent holds such a directory: refused, since the container that creates it mounts the parent as root", () => {
    expect(modelErrors(configObject((c) => (c.users[0].home = "/var/alice")))).toEqual([
      `users[0].home: got "/var/alice"; expected a home whose parent is a directory that does not hold /var/run, which holds ${HOST_CONTROL.find((d) => d.path === "/var/run")!.holds}; the container that creates the home mounts /var read-write, as root`,
    ]);
    expect(modelErrors(configObject((c) => (c.users[0].home = "/alice")))[0]).toContain("the container that creates the home mounts / read-write, as root");
  });

  it("...and accepted where no container creates homes", () => {
    expect(buildModel(configObject((c) => ((c.users[0].home = "/var/alice"), (c.host.createHomes = false)))).users[0].home).toBe("/var/alice");
  });

  it.each(["/etc", "/var", "/var/lib"])("home root %s: refused once, not for every user in it", (homeRoot) => {
    const lines = modelErrors(configObject((c) => (c.host.homeRoot = homeRoot)));
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^host\\.homeRoot: got "${homeRoot}"; expected a home root .*; every home in it is mounted read-write$`)),
    ]);
  });

  it("front door socket tree in /run: refused", () => {
    expect(modelErrors(configObject((c) => (c.frontDoor = { site: "lab.example.org", runtimeRoot: "/run/homedock" })))).toEqual([
      `frontDoor.runtimeRoot: got "/run/homedock"; expected a directory outside /run, which holds ${HOST_CONTROL.find((d) => d.path === "/run")!.holds}; every workspace mounts its socket directory in it read-write`,
    ]);
  });

  it("data directories, homes elsewhere and the defaults are accepted", () => {
    const model = buildModel(
      configObject((c) => {
        c.host.sharedMounts = [
          { source: "/srv/data" },
          { source: "/opt/datasets", target: "/datasets" },
          { source: "/mnt/scratch", target: "/scratch", writable: true },
        ];
        c.users[1].home = "/srv/home/bob";
      }),
    );
    expect(model.sharedMounts.map((m) => m.source)).toEqual(["/srv/data", "/opt/datasets", "/mnt/scratch"]);
  });
});

describe("the README", () => {
  const readme = readFileSync(path.resolve(__dirname, "../../../README.md"), "utf8");
  const table = /### Host paths a config may not mount\n[\s\S]*?\| host path \| what it holds \|\n\|---\|---\|\n((?:\|.*\|\n)+)/.exec(readme)![1];

  it("lists every refused host path with what it holds", () => {
    const rows = table
      .trim()
      .split("\n")
      .flatMap((row) => {
        const [, paths, holds] = /^\| (.*) \| (.*) \|$/.exec(row)!;
        return paths.split(", ").map((p) => ({ path: p.replace(/`/g, ""), holds }));
      });
    expect(rows).toEqual(HOST_CONTROL.map(({ path: p, holds }) => ({ path: p, holds })));
  });
});

describe("a config file that is a link", () => {
  it("to a file in its own directory or below: read", () => {
    const dir = mkdtempSync(path.join(work, "link-"));
    mkdirSync(path.join(dir, "configs"));
    writeFileSync(path.join(dir, "configs", "lab.yaml"), valid);
    symlinkSync("configs/lab.yaml", path.join(dir, "homedock.yaml"));
    expect(loadConfig(path.join(dir, "homedock.yaml")).users.map((u) => u.name)).toEqual(["alice"]);
  });

  it("to a file elsewhere (a secret on the machine that plans it): refused before it is read", () => {
    const dir = mkdtempSync(path.join(work, "link-"));
    const secret = path.join(work, "registry-login.json");
    writeFileSync(secret, '{"auths": {"registry.example.org": {"auth": "YWxpY2U6aHVudGVyMg=="}}}\n');
    symlinkSync(secret, path.join(dir, "homedock.yaml"));
    const lines = linesOf(() => loadConfig(path.join(dir, "homedock.yaml")));
    expect(lines).toEqual([`(the whole file): got a link to ${secret}; expected the config, or a link to a file in its own directory or below`]);
    expect(lines.join("")).not.toContain("YWxp");
  });
});
