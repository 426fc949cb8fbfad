// homedock users check without Docker: the comparison, the script's output read back,
// and how the one-shot container is chosen and retried (a recording docker stands in).
import { describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import type { ConfigInput } from "../../../src/config/schema";
import { parseAccountDatabase } from "../../../src/users/account-db";
import { compareWithHost, type HomeState } from "../../../src/users/check";
import { HostUnreadableError } from "../../../src/docker/docker-cli";
import { checkRunArgs, homeParents, parseSnapshot, readHost } from "../../../src/users/host-snapshot";

const PASSWD = [
  "root:x:0:0:root:/root:/bin/bash",
  "alice:x:1001:1001::/home/alice:/bin/bash",
  "bob:x:1002:1002::/home/bob:/bin/bash",
  "carol:x:1003:1003::/srv/home/carol:/bin/bash",
].join("\n");
const GROUP = "alice:x:1001:\nbob:x:1002:\nstats:x:2000:alice\nempty:x:2001:\n";

function config(users: ConfigInput["users"], extra: Partial<ConfigInput["host"]> = {}): ConfigInput {
  return {
    host: { name: "lab", ...extra },
    environments: [
      { name: "py", image: "x/py:1", command: ["sleep", "1"] },
      { name: "r", image: "x/r:1", command: ["sleep", "1"], groups: ["stats", "empty", "ghosts"] },
    ],
    users,
  };
}

const dir = (uid: number): HomeState => ({ uid, gid: uid, type: "directory" });

function findings(users: ConfigInput["users"], homes: Record<string, HomeState>, extra: Partial<ConfigInput["host"]> = {}) {
  const snapshot = { db: parseAccountDatabase(PASSWD, GROUP), homes: new Map(Object.entries(homes)) };
  return compareWithHost(buildModel(config(users, extra)), snapshot).map((f) => `${f.severity}: ${f.message}`);
}

const GROUP_WARNINGS = [
  'warning: environment r: no account on the host is in group "empty"',
  'warning: environment r: no account on the host is in group "ghosts" (no such group)',
];

describe("comparing the config with the host", () => {
  it("finds only the group restrictions nobody on the host meets when config and host agree", () => {
    expect(
      findings(
        [
          { name: "alice", uid: 1001, gid: 1001, groups: ["stats"] },
          { name: "carol", uid: 1003, gid: 1003, home: "/srv/home/carol" },
        ],
        { "/home/alice": dir(1001), "/srv/home/carol": dir(1003) },
      ),
    ).toEqual(GROUP_WARNINGS);
  });

  it.each<[string, ConfigInput["users"], Record<string, HomeState>, string[]]>([
    ["a user missing on the host", [{ name: "dave", uid: 1004, gid: 1004 }], {}, ["error: dave: no such account on the host"]],
    [
      "an account whose uid changed (usermod -u), home following it",
      [{ name: "alice", uid: 1501, gid: 1001 }],
      { "/home/alice": dir(1001) },
      ["error: alice: uid 1501 in the config, 1001 on the host", "error: alice: home /home/alice is owned by uid 1001, the workspace runs as uid 1501"],
    ],
    [
      "an account re-created with a new uid, its home still the old one's",
      [{ name: "bob", uid: 1002, gid: 1002 }],
      { "/home/bob": dir(1502) },
      ["error: bob: home /home/bob is owned by uid 1502, the workspace runs as uid 1002 (was the account re-created?)"],
    ],
    [
      "a uid that is another account's",
      [{ name: "dave", uid: 1002, gid: 1002, home: "/home/dave" }],
      {},
      ["error: dave: no such account on the host", "error: dave: uid 1002 is bob's on the host: the workspace would run as bob"],
    ],
    [
      "a gid and a home that differ",
      [{ name: "carol", uid: 1003, gid: 1099 }],
      { "/home/carol": dir(1003) },
      ["error: carol: gid 1099 in the config, 1003 on the host", "error: carol: home /home/carol in the config, /srv/home/carol on the host"],
    ],
    [
      "a home that is a file",
      [{ name: "bob", uid: 1002, gid: 1002 }],
      { "/home/bob": { uid: 1002, gid: 1002, type: "regular file" } },
      ["error: bob: home /home/bob is a regular file on the host, not a directory"],
    ],
    [
      "a supplementary gid the host does not give, and a group the host does not list",
      [{ name: "bob", uid: 1002, gid: 1002, supplementaryGids: [27], groups: ["stats"] }],
      { "/home/bob": dir(1002) },
      [
        "error: bob: supplementary gid 27 in the config, but the host does not list bob in that group",
        'warning: bob: in group "stats" in the config, not on the host',
      ],
    ],
  ])("reports %s", (_, users, homes, expected) => {
    expect(findings(users, homes)).toEqual([...expected, ...GROUP_WARNINGS]);
  });

  it("says nothing of a missing home the deploy creates, and warns when it cannot", () => {
    const bob = [{ name: "bob", uid: 1002, gid: 1002 }];
    expect(findings(bob, { "/home/bob": "missing" })).toEqual(GROUP_WARNINGS);
    expect(findings(bob, { "/home/bob": "missing" }, { createHomes: false })).toEqual([
      "warning: bob: home /home/bob does not exist on the host (createHomes is false: the deploy fails)",
      ...GROUP_WARNINGS,
    ]);
  });
});

describe("reading the host through one container", () => {
  const model = buildModel({
    ...config(
      [
        { name: "alice", uid: 1001, gid: 1001 },
        { name: "carol", uid: 1003, gid: 1003, home: "/srv/home/carol smith" },
        { name: "top", uid: 1004, gid: 1004, home: "/top" },
        // A home right below / only where no container creates it (that one would mount /).
      ],
      { homeRoot: "/home", initImage: "x/init:1", createHomes: false },
    ),
  });
  const output = [
    "@@homedock passwd",
    "alice:x:1001:1001::/home/alice:/bin/sh",
    "",
    "@@homedock group",
    "alice:x:1001:",
    "",
    "@@homedock homes",
    "/home/alice\t1001 1001 directory",
    "/srv/home/carol smith\tmissing",
    "/top\t0 0 symbolic link",
    "",
  ].join("\n");

  it("mounts each home's parent once, never the host's root", () => {
    expect(homeParents(model.users.map((u) => u.home))).toEqual(["/home", "/srv/home", "/top"]);
    expect(homeParents(["/a/b/c", "/a/x", "/a/b/d"])).toEqual(["/a"]);
  });

  it("reads the script's output back, homes with spaces included", () => {
    const snapshot = parseSnapshot(output, "host");
    expect(snapshot.db.accounts.map((a) => a.name)).toEqual(["alice"]);
    expect([...snapshot.homes]).toEqual([
      ["/home/alice", { uid: 1001, gid: 1001, type: "directory" }],
      ["/srv/home/carol smith", "missing"],
      ["/top", { uid: 0, gid: 0, type: "symbolic link" }],
    ]);
  });

  it("takes a host's passwd it cannot trust for a host it cannot read (exit status 2), naming the file and line", () => {
    const bad = () => parseSnapshot(output.replace("alice:x:1001:1001::/home/alice:/bin/sh", "alice:x:1001"), "the Docker host");
    expect(bad).toThrow(HostUnreadableError);
    expect(bad).toThrow("the Docker host: /etc/passwd:1: expected 7 fields name:password:uid:gid:gecos:home:shell, got 3");
  });

  it("runs read-only, without network or capabilities but DAC_READ_SEARCH, never pulling, with a one-shot's limits", () => {
    const args = checkRunArgs("x/init:1", ["/home"], ["/home/alice"]);
    expect(args.slice(15, 24)).toEqual(["--memory", "64m", "--memory-swap", "64m", "--cpus", "0.5", "--pids-limit", "64", "--label"]);
    expect(args.slice(0, 15)).toEqual([
      "run",
      "--rm",
      "--pull",
      "never",
      "--network",
      "none",
      "--read-only",
      "--user",
      "0:0",
      "--cap-drop",
      "ALL",
      "--cap-add",
      "DAC_READ_SEARCH",
      "--security-opt",
      "no-new-privileges",
    ]);
    expect(args).toContain("type=bind,source=/etc/passwd,target=/homedock/etc/passwd,readonly");
    expect(args).toContain("type=bind,source=/home,target=/homedock/root/home,readonly");
    expect(args.slice(-2)).toEqual(["host-accounts", "/home/alice"]);
  });

  it("drops a mount whose directory the host lacks, and tries the next image when one cannot run the script", () => {
    const calls: { image: string; mounts: string[] }[] = [];
    const snapshot = readHost(model, (args) => {
      const image = args[args.indexOf("--entrypoint") + 2];
      const mounts = args.filter((a) => a.includes("target=/homedock/root")).map((a) => /source=([^,]*)/.exec(a)![1]);
      calls.push({ image, mounts });
      if (image === "x/init:1")
        return { status: 127, stdout: "", stderr: 'docker: Error response from daemon: exec: "/bin/sh": stat /bin/sh: no such file or directory.\n' };
      if (mounts.includes("/srv/home"))
        return {
          status: 125,
          stdout: "",
          stderr: 'docker: Error response from daemon: invalid mount config for type "bind": bind source path does not exist: /srv/home\n',
        };
      return { status: 0, stdout: output, stderr: "" };
    });
    expect(calls).toEqual([
      { image: "x/init:1", mounts: ["/home", "/srv/home", "/top"] },
      { image: "x/py:1", mounts: ["/home", "/srv/home", "/top"] },
      { image: "x/py:1", mounts: ["/home", "/top"] },
    ]);
    expect(snapshot.image).toBe("x/py:1");
  });

  it("says clearly when no image can run it, or Docker does not answer", () => {
    const none = () => readHost(model, () => ({ status: 125, stdout: "", stderr: "docker: Error response from daemon: No such image: x\n" }));
    expect(none).toThrow(HostUnreadableError);
    expect(none).toThrow(
      "no image on the Docker host can run the check (it needs /bin/sh, cat and stat; none is pulled): tried x/init:1 (Error response from daemon: No such image: x); x/py:1 (Error response from daemon: No such image: x); x/r:1 (Error response from daemon: No such image: x). Set host.initImage to such an image",
    );
    const down = () =>
      readHost(model, () => ({
        status: 1,
        stdout: "",
        stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n",
      }));
    expect(down).toThrow("the Docker host does not answer: Cannot connect to the Docker daemon");
  });
});
