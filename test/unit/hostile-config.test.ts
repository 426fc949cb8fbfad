// A config from an untrusted pull request: whatever the file holds, reading it ends
// soon with a model or one clear error, and no config hands a workspace the host.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/model";
import { ConfigError } from "../../src/model/issues";
import { loadConfig, parseConfig } from "../../src/config/load";
import { MAX_CONFIG_BYTES, MAX_CONFIG_NODES } from "../../src/config/bounds";
import { configObject, env } from "../config-cases";
import { bombUnderCommand, bombUnderUnknownKey } from "../hostile";

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
    expect(errorsOf(text)).toEqual([`1:${16 + 2 * (MAX_CONFIG_NODES - 3)}: expected at most 200,000 nodes (keys, values and items) in the config; it has more from here`]);
  });

  it("text over 1 MiB is refused before it is parsed", () => {
    expect(errorsOf(`# ${"x".repeat(MAX_CONFIG_BYTES)}\n`)).toEqual([`(the whole file): got ${MAX_CONFIG_BYTES + 3} bytes; expected a config of at most 1 MiB`]);
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
    cut(line);
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
    expect(line).toBe('environments[0].command: got {"self":{"self":{"self":{"self":{"self":{"self":{"self":{...; expected a list of strings (the command and its arguments)');
  });

  it("an image name that once made the pattern backtrack for hours", () => {
    expect(modelErrors(configObject((c) => (c.environments[0].image = `${"a".repeat(40)}!`)))).toEqual([
      `environments[0].image: got "${"a".repeat(40)}!"; expected a Docker image reference like registry.example.org/course/python:2026.1`,
    ]);
  });

  it("cpus of a million zeros", () => {
    expect(modelErrors(configObject((c) => (c.host.defaults = { cpus: `${"0".repeat(1_000_000)}x` })))[0]).toMatch(/^host\.defaults\.cpus: got "0{56}\.\.\.; expected a number of CPUs/);
  });
});
