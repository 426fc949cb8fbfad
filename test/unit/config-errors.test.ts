// Bad input: one clear message per problem, naming the field, the value found and
// what was expected; every problem in the file, in file order.
import { describe, expect, it } from "vitest";
import { buildModel, ConfigError, parseConfig } from "../../constructs";
import { cases, config, env, user } from "../config-cases";

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
});

describe("YAML itself", () => {
  it.each([
    ["a syntax error", "environments:\n  - name: py\n   image: x\n", /^3:\d+: YAML syntax: expected valid YAML/],
    ["a duplicate key", "environments:\n  - name: py\n    name: r\n    image: x\n    command: [a]\n", /^3:5: duplicate key: expected valid YAML: Map keys must be unique/],
    ["an unclosed flow list", "environments: [\n", /^\d+:\d+: YAML syntax/],
    ["a tab indent", "environments:\n\t- name: py\n", /^2:1: YAML syntax/],
  ])("%s is reported with line and column", (_, text, pattern) => {
    const errors = errorsOf(text);
    expect(errors[0]).toMatch(pattern);
  });

  it.each([
    ["an empty file", ""],
    ["a file of comments", "# nothing here\n"],
    ["a null document", "~\n"],
  ])("%s is reported as such", (_, text) => {
    expect(errorsOf(text)).toEqual(["(the whole file): got nothing; expected a config with at least one environment"]);
  });

  it("a list at the top is a wrong type", () => {
    expect(errorsOf("- a\n- b\n")).toEqual(['1:1: (the whole file): got ["a","b"]; expected a mapping with host, environments and users']);
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
    expect(model.warnings).toEqual([
      'environments[0].groups: no user is in group "nobody-has-it"',
      "no user is granted any environment: nothing will run",
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
