// homedock as its users get it: the packed tarball, installed from the npm registry
// into a new project laid out as `cdktf init --template=typescript` lays one out.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import type { Json } from "../helpers/synth";

export const repo = path.resolve(__dirname, "../..");
const repoPackage = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8"));
/** The version this project develops against, so the registry is asked for what the cache already holds. */
export const pinned = (name: string): string => repoPackage.devDependencies[name];

/**
 * Runs a command; one error with its output if it fails. Asynchronous: an npm install
 * can take minutes, and the test runner's worker must keep answering meanwhile.
 */
export async function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  // The checkout's config and Terraform settings are not the new project's.
  const { HOMEDOCK_CONFIG: _, TF_CLI_CONFIG_FILE: __, ...rest } = process.env;
  try {
    return await promisify(execFile)(cmd, args, { cwd, env: { ...rest, CHECKPOINT_DISABLE: "1", ...env }, encoding: "utf8", maxBuffer: 1 << 26 });
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} in ${cwd} exited ${e.code}:\n${e.stdout}\n${e.stderr}`, { cause: err });
  }
}

/** `npm pack` of the checkout (prepack builds it) into `dir`; the tarball's path. */
export async function pack(dir: string): Promise<string> {
  await run("npm", ["pack", "--pack-destination", dir], repo);
  const [tarball] = readdirSync(dir).filter((f) => f.endsWith(".tgz"));
  return path.join(dir, tarball);
}

/** The README's library example, verbatim: the ```ts block under "Using the library in code". */
export function readmeExample(): string {
  const readme = readFileSync(path.join(repo, "README.md"), "utf8");
  const section = readme.split(/^## Using the library in code$/m)[1];
  const code = section?.match(/^```ts\n([\s\S]*?)^```$/m)?.[1];
  if (!code) throw new Error('README.md: no ```ts block under "## Using the library in code"');
  return code;
}

/**
 * A new cdktf project in `dir` with `dependencies` (cdktf, constructs, the Docker bindings)
 * and the template's dev tools, its main.ts the README's example, homedock installed
 * from `tarball`. tsconfig.json and cdktf.json are the cdktf CLI's TypeScript template.
 */
export async function userProject(dir: string, tarball: string, dependencies: Record<string, string>, overrides?: Record<string, string>): Promise<string> {
  const template = path.join(repo, "node_modules/cdktf-cli/bundle/templates/typescript");
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(template, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  const cdktfJson = readFileSync(path.join(template, "cdktf.json"), "utf8")
    .replace("{{projectId}}", "homedock-package-test")
    .replace("{{sendCrashReports}}", "false")
    .replace("{{futureFlags}}", "");
  writeFileSync(path.join(dir, "cdktf.json"), cdktfJson);
  const devDependencies = { "@types/node": pinned("@types/node"), "ts-node": "10.9.2", typescript: pinned("typescript") };
  const pkg = {
    name: path.basename(dir),
    version: "1.0.0",
    private: true,
    main: "main.js",
    dependencies,
    devDependencies,
    ...(overrides ? { overrides } : {}),
  };
  writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(path.join(dir, "main.ts"), readmeExample());
  // The cache first: everything but the tarball is usually there already.
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], dir);
  return dir;
}

/** The synthesized stack `name` of a project. */
export function stack(dir: string, name: string): Json {
  return JSON.parse(readFileSync(path.join(dir, "cdktf.out/stacks", name, "cdk.tf.json"), "utf8"));
}

/** What a stack declares, without where its state lives (the project's path). */
export function declared(tf: Json): Json {
  const { backend: _, ...terraform } = tf.terraform;
  return { terraform, provider: tf.provider, locals: tf.locals, variable: tf.variable, resource: tf.resource };
}
