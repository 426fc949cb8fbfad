// Bad input: one clear message per problem, naming the field, the value found and
// what was expected; every problem in the file, in file order.
import fc from "fast-check";
import { CORE_SCHEMA, constructFromEvents, parseEvents } from "js-yaml";
import { describe, expect, it } from "vitest";
import { isNode, isScalar, LineCounter, parseDocument, Scalar, stringify } from "yaml";
import { buildModel } from "../../../src/model/model";
import { ConfigError, type PathSegment } from "../../../src/config/issues";
import { sourcePositions } from "../../../src/config/load";
import { parseConfig } from "../../../src/model/load";
import { cases, config, env, user } from "../../helpers/config-cases";

function errorsOf(text: string): string[] {
  try {
    parseConfig(text, "homedock.yaml");
  } catch (err) {
    if (err instanceof ConfigError) return [...err.lines];
    throw err;
  }
  throw new Error("the config was accepted");
}

describe("a config with one mistake", () => {
  it("has at least 60 cases here", () => expect(cases.length).toBeGreaterThanOrEqual(60));

  it.each(cases)("%s: one line naming field, value and expectation", (_, patch, message) => {
    const errors = errorsOf(config(patch));
    expect(errors, errors.join("\n")).toHaveLength(1);
    expect(errors[0]).toMatch(/^\d+:\d+: /);
    expect(errors[0]).toContain(message);
  });

  it("an old config's environments[].port is an unknown key, with no guess at what was meant", () => {
    const errors = errorsOf(config((c) => (c.environments[0].port = 8888)));
    expect(errors).toEqual([expect.stringMatching(/^\d+:\d+: environments\[0\]\.port: got 8888; unknown key: expected one of name, image, [a-zA-Z, ]+$/)]);
  });
});

describe("Jupyter's TCP flags and /run/homedock", () => {
  const tcp = ["jupyter", "notebook", "--ip=0.0.0.0", "--port", "8888", "--NotebookApp.port=8888"];
  it("are a workspace's own without the front door, or without jupyter", () => {
    const mount = { source: "/srv/run", target: "/run/homedock" };
    expect(() =>
      parseConfig(
        config((c) => Object.assign(c.environments[0], { jupyter: "notebook", command: tcp })),
        "homedock.yaml",
      ),
    ).not.toThrow();
    expect(() =>
      parseConfig(
        config((c) => {
          c.host.sharedMounts = [mount];
          c.environments[0].jupyter = "notebook";
        }),
        "homedock.yaml",
      ),
    ).not.toThrow();
    const frontDoor = (c: any) => (c.frontDoor = { site: "lab.example.org" });
    expect(() =>
      parseConfig(
        config((c) => frontDoor(c) && (c.environments[0].command = tcp)),
        "homedock.yaml",
      ),
    ).not.toThrow();
    expect(() =>
      parseConfig(
        config((c) => frontDoor(c) && (c.host.sharedMounts = [mount])),
        "homedock.yaml",
      ),
    ).not.toThrow();
  });

  it("behind the front door: every TCP flag is its own line, a look-alike is not one", () => {
    const errors = errorsOf(
      config((c) => {
        c.frontDoor = { site: "lab.example.org" };
        Object.assign(c.environments[0], { jupyter: "notebook", command: [...tcp, "--port_retries=0", "--ipython"] });
      }),
    );
    expect(errors.map((e) => e.replace(/^\d+:\d+: /, ""))).toEqual(
      [2, 3, 5].map((j) => `environments[0].command[${j}]: got "${tcp[j]}"; expected no --port/--ip: the front door gives the server a unix socket`),
    );
  });
});

describe("YAML itself", () => {
  it.each([
    ["a syntax error", "environments:\n  - name: py\n   image: x\n", /^3:\d+: YAML syntax: expected valid YAML/],
    [
      "a duplicate key",
      "environments:\n  - name: py\n    name: r\n    image: x\n    command: [a]\n",
      /^3:5: duplicate key: expected valid YAML: duplicated mapping key$/,
    ],
    [
      "a second document",
      "environments: []\n---\nusers: []\n",
      /^3:1: YAML syntax: expected valid YAML: a second document begins here; a config is one document$/,
    ],
    ["a tag outside the core schema", "environments:\n  - name: !!binary cHk=\n", /^2:11: YAML: expected valid YAML: unknown scalar tag/],
    [
      "nesting past 100 levels",
      `environments: ${"[".repeat(101)}${"]".repeat(101)}\n`,
      /^1:\d+: YAML syntax: expected valid YAML: nesting exceeded maxDepth \(100\)$/,
    ],
    ["an unclosed flow list", "environments: [\n", /^\d+:\d+: YAML syntax/],
    ["a tab indent", "environments:\n\t- name: py\n", /^2:1: YAML syntax/],
  ])("%s is reported with line and column", (_, text, pattern) => {
    const errors = errorsOf(text);
    expect(errors[0]).toMatch(pattern);
  });

  it("is a problem of the whole file in the error's issues too, its position left in the line", () => {
    const err = (() => {
      try {
        parseConfig("environments: []\n---\nusers: []\n", "homedock.yaml");
      } catch (e) {
        return e as ConfigError;
      }
      return expect.unreachable();
    })();
    expect(err.issues).toEqual([
      { path: [], message: "YAML syntax: expected valid YAML: a second document begins here; a config is one document", hasValue: false },
    ]);
  });

  it.each([
    ["an empty file", ""],
    ["a file of comments", "# nothing here\n"],
    ["a null document", "~\n"],
  ])("%s is reported as such", (_, text) => {
    expect(errorsOf(text)).toEqual(["(the whole file): got nothing; expected a config with at least one environment"]);
  });

  it("YAML 1.1 words are strings, whatever version the file names", () => {
    const text = config((c) => (c.users[0].allowRoot = "ALLOW")).replace("ALLOW", "yes");
    expect(errorsOf(text)).toEqual([expect.stringMatching(/^\d+:\d+: users\[0\]\.allowRoot: got "yes"; expected true or false$/)]);
    expect(errorsOf(`%YAML 1.1\n---\n${text}`)).toEqual([expect.stringMatching(/users\[0\]\.allowRoot: got "yes"/)]);
  });

  it("anchors and aliases are read, and a mistake in a shared value is reported where it is used", () => {
    const text = [
      "environments:",
      "  - name: py",
      "    image: course/python:1",
      "    command: &cmd [jupyter, notebook]",
      "  - name: r",
      "    image: course/r:1",
      "    command: *cmd",
      "users:",
      "  - &alice {name: alice, uid: 1001, gid: 1001}",
      "  - *alice",
      "",
    ].join("\n");
    const lines = errorsOf(text);
    expect(lines).toEqual([
      expect.stringMatching(/^10:5: users\[1\]\.name: got "alice"; expected a user name not used before/),
      expect.stringMatching(/^10:5: users\[1\]\.uid/),
    ]);
    const model = parseConfig(text.replace("  - *alice\n", ""), "homedock.yaml");
    expect(model.environments.map((e) => e.command)).toEqual([
      ["jupyter", "notebook"],
      ["jupyter", "notebook"],
    ]);
  });

  it("a block scalar is reported at its first line of text", () => {
    const text = config((c) => (c.environments[0].dir = "BLOCK")).replace("dir: BLOCK", "dir: |\n      a\n      b");
    const errors = errorsOf(text);
    const line = text.split("\n").findIndex((l) => l.trim() === "a") + 1;
    expect(errors).toEqual([
      `${line}:7: environments[0].dir: got "a\\nb\\n"; expected 1-64 characters: letters, digits, '_', '.', '+' or '-', not starting with '.' or '-'`,
    ]);
  });

  it("a list at the top is a wrong type", () => {
    expect(errorsOf("- a\n- b\n")).toEqual(['1:1: (the whole file): got ["a","b"]; expected a mapping with host, environments and users']);
  });
});

describe("where a node is", () => {
  // Every path of a value, parents first.
  function* paths(value: unknown, path: PathSegment[] = []): Generator<PathSegment[]> {
    yield path;
    if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* paths(v, [...path, i]);
    else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) yield* paths(v, [...path, k]);
  }

  const styles = fc.record({
    collectionStyle: fc.constantFrom("any", "block", "flow"),
    defaultStringType: fc.constantFrom(Scalar.PLAIN, Scalar.QUOTE_DOUBLE, Scalar.QUOTE_SINGLE, Scalar.BLOCK_LITERAL, Scalar.BLOCK_FOLDED),
    defaultKeyType: fc.constantFrom(null, Scalar.PLAIN, Scalar.QUOTE_DOUBLE),
    indent: fc.integer({ min: 1, max: 4 }),
  });
  // Mappings of mappings and lists, as configs are, with any keys and scalars.
  const documents = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.string(), fc.integer(), fc.boolean(), fc.constant(null), tie("list"), tie("map")),
    list: fc.array(tie("node"), { maxLength: 4 }),
    map: fc.dictionary(fc.string(), tie("node"), { maxKeys: 4, noNullPrototype: true }),
  })).map;

  it("is where the yaml library places it, for any document it writes (block scalars: at their text)", () => {
    fc.assert(
      fc.property(documents, styles, (value, options) => {
        const text = stringify(value, options);
        const lineCounter = new LineCounter();
        const doc = parseDocument(text, { lineCounter });
        const read = doc.toJS();
        // js-yaml reads what the other library reads (not always what it wrote: it
        // writes " " as a block scalar that both read back as "")...
        expect(constructFromEvents(parseEvents(text, {}), { source: text, schema: CORE_SCHEMA })).toEqual([read]);
        // ...and places every node where that library does.
        const positionOf = sourcePositions(text);
        for (const path of paths(read)) {
          const node = doc.getIn(path, true);
          if (!isNode(node) || !node.range) throw new Error(`no node at ${JSON.stringify(path)}`);
          if (isScalar(node) && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED)) continue;
          expect(positionOf(path), `${JSON.stringify(path)} in\n${text}`).toEqual(lineCounter.linePos(node.range[0]));
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it("a block scalar is at its first character of text", () => {
    const text = "a:\n  b: |\n\n     x\n  c: >-\n    y\n  d: |\n";
    const positionOf = sourcePositions(text);
    expect(
      [
        ["a", "b"],
        ["a", "c"],
        ["a", "d"],
      ].map((p) => positionOf(p)),
    ).toEqual([
      { line: 4, col: 6 },
      { line: 6, col: 5 },
      { line: 7, col: 7 },
    ]);
  });

  it("is nowhere for a path the text does not have", () => {
    const positionOf = sourcePositions("a: [1, 2]\n");
    expect([positionOf(["a", 2]), positionOf(["b"]), positionOf(["a", 0, "c"])]).toEqual([undefined, undefined, undefined]);
  });
});

describe("a config with several mistakes", () => {
  it("reports each of them, in file order", () => {
    const errors = errorsOf(
      config((c) => {
        c.environments[0].memory = "lots";
        c.users[0].uid = 0;
        c.users[1].name = "alice";
        c.users[1].gid = -1;
        c.host.homeMode = "x";
      }),
    );
    const fields = errors.map((e) => e.replace(/^\d+:\d+: /, "").split(":")[0]);
    expect(fields).toEqual(["host.homeMode", "environments[0].memory", "users[0].uid", "users[1].name", "users[1].gid"]);
    const lines = errors.map((e) => Number(e.split(":")[0]));
    expect([...lines].sort((a, b) => a - b)).toEqual(lines);
  });
});

describe("warnings, not errors", () => {
  it("a group no user is in", () => {
    const model = buildModel({ environments: [{ ...env, groups: ["nobody-has-it"] }], users: [user] });
    expect(model.warnings).toEqual(['environments[0].groups: no user is in group "nobody-has-it"', "no user is granted any environment: nothing will run"]);
  });

  it("a shared mount for a group no user is in, or writable for one", () => {
    const sharedMounts = [{ source: "/srv/course", groups: ["tas", "nobody-has-it"], writableFor: ["tas", "no-such-ta", "stats"] }];
    const users = [
      { ...user, groups: ["tas"] },
      { ...user, name: "bob", uid: 1002, gid: 1002, groups: ["stats"] },
    ];
    expect(buildModel({ host: { sharedMounts }, environments: [env], users }).warnings).toEqual([
      'host.sharedMounts[0].groups: no user is in group "nobody-has-it"',
      'host.sharedMounts[0].writableFor: no user is in group "no-such-ta"',
      'host.sharedMounts[0].writableFor: group "stats" is not in its groups: its users get the mount only if also in one of those',
    ]);
  });

  it("an initImage where no home is created", () => {
    const host = { createHomes: false, initImage: "busybox:1" };
    expect(buildModel({ host, environments: [env], users: [user] }).warnings).toEqual([
      'host.initImage: "busybox:1" is not used: createHomes is false, no home is created',
    ]);
    expect(buildModel({ host: { initImage: "busybox:1" }, environments: [env], users: [user] }).warnings).toEqual([]);
  });

  it("a config that grants nobody anything", () => {
    expect(buildModel({ environments: [env] }).warnings).toEqual(["no user is granted any environment: nothing will run"]);
  });

  it("uid 0 with allowRoot", () => {
    expect(buildModel({ environments: [env], users: [{ ...user, uid: 0, gid: 0, allowRoot: true }] }).workspaces).toHaveLength(1);
  });
});
