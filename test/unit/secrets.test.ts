import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/model";
import { SECRETS_DIR } from "../../src/render/secrets";
import { TOKENS_VARIABLE } from "../../constructs/host";
import { synth, writeCompose } from "../../src/render/output";
import { courseConfig } from "../helpers";

const dir = mkdtempSync(path.join(tmpdir(), "homedock-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const model = buildModel(courseConfig());
const mode = (p: string) => statSync(p).mode & 0o777;

describe("workspace tokens", () => {
  const compose = writeCompose(model, path.join(dir, "docker-compose.yml"));
  const stack = path.dirname(synth(model, path.join(dir, "cdktf.out")));
  const tokens: Record<string, string> = JSON.parse(readFileSync(path.join(dir, SECRETS_DIR, "tokens.json"), "utf8"));

  it("one per workspace, 32 random bytes, kept private", () => {
    expect(Object.keys(tokens).sort()).toEqual(["alice.python-course", "alice.r-intro", "bob.python-course", "carol.python-course", "carol.r-intro"]);
    for (const token of Object.values(tokens)) expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(Object.values(tokens)).size).toBe(5);
    expect(mode(path.join(dir, SECRETS_DIR))).toBe(0o700);
    for (const f of readdirSync(path.join(dir, SECRETS_DIR))) expect([f, mode(path.join(dir, SECRETS_DIR, f))]).toEqual([f, 0o600]);
  });

  it("reach Terraform and Compose through private files, never through the rendered ones", () => {
    const tfvars = JSON.parse(readFileSync(path.join(stack, "terraform.tfvars.json"), "utf8"));
    // By container name: the variable is shared by every host in a stack.
    expect(tfvars).toEqual({ [TOKENS_VARIABLE]: Object.fromEntries(Object.entries(tokens).map(([key, token]) => [`course-${key}`, token])) });
    expect(mode(path.join(stack, "terraform.tfvars.json"))).toBe(0o600);
    expect(readFileSync(path.join(dir, SECRETS_DIR, "bob.python-course.env"), "utf8")).toBe(`JUPYTER_TOKEN=${tokens["bob.python-course"]}\n`);
    const rendered = readFileSync(compose, "utf8") + readFileSync(path.join(stack, "cdk.tf.json"), "utf8");
    for (const token of Object.values(tokens)) expect(rendered).not.toContain(token);
  });

  it("stay the same across renders, and a new workspace gets its own", () => {
    const config = courseConfig();
    config.users = [...config.users!, { name: "dave", uid: 1004, gid: 1004 }];
    writeCompose(buildModel(config), path.join(dir, "docker-compose.yml"));
    const again: Record<string, string> = JSON.parse(readFileSync(path.join(dir, SECRETS_DIR, "tokens.json"), "utf8"));
    expect(again).toMatchObject(tokens);
    expect(again["dave.python-course"]).toMatch(/^[0-9a-f]{64}$/);
  });
});
