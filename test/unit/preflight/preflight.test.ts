// The model is pure and the preflight is the one step that looks at the machine: a config
// file and the same config given to `new Host` in code meet the same checks, with the same
// problems. (Host paths through the preflight: host-paths.test.ts.)
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Testing, TerraformStack } from "cdktf";
import { parse } from "yaml";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { Host } from "../../../constructs/host";
import { ConfigError } from "../../../src/config/issues";
import type { ConfigInput } from "../../../src/config/schema";
import { loadConfig, parseConfig } from "../../../src/model/load";
import { buildModel } from "../../../src/model/model";
import { loadChecked } from "../../../src/preflight/load";
import { preflight } from "../../../src/preflight/preflight";

// Every synchronous call into node:fs that homedock's sources make, with its first argument.
const fsCalls = vi.hoisted(() => [] as [string, unknown][]);
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const watched = Object.entries(actual)
    .filter(([name, f]) => name.endsWith("Sync") && typeof f === "function")
    .map(([name, f]) => [name, (...args: unknown[]) => (fsCalls.push([name, args[0]]), (f as (...a: unknown[]) => unknown)(...args))]);
  return { ...actual, ...Object.fromEntries(watched) };
});

const work = fs.mkdtempSync(path.join(tmpdir(), "homedock-preflight-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

/** A front door with TLS files, at lines 5 and 6. */
const yamlText = (certFile: string, keyFile: string) =>
  [
    "host: { name: lab }",
    "frontDoor:",
    "  site: lab.example.org",
    "  tls: files",
    `  certFile: ${certFile}`,
    `  keyFile: ${keyFile}`,
    "environments: [{ name: py, image: lab/py:1, command: [jupyter, lab], jupyter: server }]",
    "users: [{ name: alice, uid: 1001, gid: 1001 }]",
  ].join("\n");

const MISSING = ["/nonexistent/lab.pem", "/nonexistent/lab.key"] as const;

/** The config file, and the same config as props in code. */
function both(certFile: string, keyFile: string): { file: string; props: ConfigInput } {
  const text = yamlText(certFile, keyFile);
  const file = path.join(fs.mkdtempSync(path.join(work, "config-")), "homedock.yaml");
  fs.writeFileSync(file, text);
  return { file, props: parse(text) as ConfigInput };
}

/** The ConfigError `f` throws. */
function refusal(f: () => unknown): ConfigError {
  try {
    f();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  return expect.unreachable("nothing was refused");
}

/** A Host in a stack of its own from `props`; `engine`: its provider's host (none: the stack's provider, from DOCKER_HOST). */
function host(props: ConfigInput, engine?: string): Host {
  const stack = new TerraformStack(Testing.app(), "test");
  const provider = engine === undefined ? undefined : new DockerProvider(stack, "docker", { host: engine });
  return new Host(stack, "host", { ...props, ...(provider ? { provider } : {}) });
}

describe("the model", () => {
  it("reads the config file and nothing else of the machine: no file it names, no environment", () => {
    const { file, props } = both(...MISSING);
    // A local engine, where the TLS files are looked for: not by the model.
    vi.stubEnv("DOCKER_HOST", "");
    const env = process.env;
    const read: string[] = [];
    process.env = new Proxy(env, { get: (target, key, receiver) => (typeof key === "string" && read.push(key), Reflect.get(target, key, receiver)) });
    fsCalls.length = 0;
    try {
      expect(loadConfig(file).frontDoor?.tls).toEqual({ mode: "files", certFile: MISSING[0], keyFile: MISSING[1] });
      expect(parseConfig(yamlText(...MISSING)).frontDoor?.tls.mode).toBe("files");
      expect(buildModel(props).frontDoor?.tls.mode).toBe("files");
    } finally {
      process.env = env;
    }
    // Reading the file (a descriptor after it is opened) is all.
    expect(fsCalls.filter(([, arg]) => arg !== file && typeof arg !== "number")).toEqual([]);
    expect(fsCalls.map(([name]) => name)).toContain("readSync");
    expect(read).toEqual([]);
  });

  it("gives the same model wherever it runs: the preflight's answer depends on the machine, the model's does not", () => {
    const { props } = both(...MISSING);
    vi.stubEnv("DOCKER_HOST", "ssh://admin@lab");
    const remote = buildModel(props);
    vi.stubEnv("DOCKER_HOST", "");
    expect(buildModel(props)).toEqual(remote);
    expect(preflight(remote, { env: { DOCKER_HOST: "ssh://admin@lab" } })).toEqual([]);
    expect(() => preflight(remote, { env: {} })).toThrow(ConfigError);
  });
});

describe("TLS files that are not on a local Docker host", () => {
  const lines = (config: string) => [
    `${config}frontDoor.certFile: got "${MISSING[0]}"; expected a file that exists on the Docker host (this machine)`,
    `${config}frontDoor.keyFile: got "${MISSING[1]}"; expected a file that exists on the Docker host (this machine)`,
  ];

  it("refuse the config file, one line each at its place in the file", () => {
    const { file } = both(...MISSING);
    expect(() => loadChecked(file, { env: {} })).toThrow(
      lines(`${file}: `)
        .map((l, i) => l.replace(": frontDoor", `: ${5 + i}:${i === 0 ? 13 : 12}: frontDoor`))
        .join("\n"),
    );
  });

  it("refuse the same config given to new Host in code, with the same problems", () => {
    const { file, props } = both(...MISSING);
    const fromFile = refusal(() => loadChecked(file, { env: {} }));
    const fromCode = refusal(() => host(props, "unix:///var/run/docker.sock"));
    expect(fromCode.message).toBe(lines("config: ").join("\n"));
    expect(fromCode.issues).toEqual(fromFile.issues);
    // Word for word, but for the file's name and the places in it.
    expect(fromCode.lines).toEqual(fromFile.lines.map((l) => l.replace(/^\d+:\d+: /, "")));
  });

  it("are looked for by new Host where DOCKER_HOST says the engine is this machine, as for a file", () => {
    const { file, props } = both(...MISSING);
    vi.stubEnv("DOCKER_HOST", "");
    expect(refusal(() => host(props)).issues).toEqual(refusal(() => loadChecked(file)).issues);
    vi.stubEnv("DOCKER_HOST", "ssh://admin@lab");
    expect(host(props).model.frontDoor?.tls.mode).toBe("files");
    expect(loadChecked(file).model.frontDoor?.tls.mode).toBe("files");
  });

  it("are not looked for where the Host's provider or DOCKER_HOST names another machine", () => {
    const { file, props } = both(...MISSING);
    vi.stubEnv("DOCKER_HOST", "");
    expect(host(props, "ssh://admin@lab").model.frontDoor?.tls.mode).toBe("files");
    expect(loadChecked(file, { env: { DOCKER_HOST: "tcp://10.0.0.5:2376" } }).model.frontDoor?.tls.mode).toBe("files");
  });

  it("are not looked for again in a model given to a Host: whoever built it runs the preflight", () => {
    const { file } = both(...MISSING);
    vi.stubEnv("DOCKER_HOST", "");
    const model = loadConfig(file);
    expect(() => Host.fromModel(new TerraformStack(Testing.app(), "test"), "host", model)).not.toThrow();
    expect(() => preflight(model, { source: file })).toThrow(ConfigError);
  });
});

describe("TLS files that are there", () => {
  it("pass in the file and in code alike", () => {
    const dir = fs.mkdtempSync(path.join(work, "tls-"));
    const [cert, key] = ["lab.pem", "lab.key"].map((name) => path.join(dir, name));
    for (const f of [cert, key]) fs.writeFileSync(f, "");
    const { file, props } = both(cert, key);
    vi.stubEnv("DOCKER_HOST", "");
    expect(loadChecked(file).model.frontDoor?.tls).toEqual({ mode: "files", certFile: cert, keyFile: key });
    expect(host(props).model.frontDoor?.tls).toEqual({ mode: "files", certFile: cert, keyFile: key });
  });
});
