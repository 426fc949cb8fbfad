// Writing the Terraform stack to disk: what synth replaces, and what it leaves alone.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import { synth } from "../../../src/output/output";
import { courseConfig } from "../../helpers/synth";

const work = mkdtempSync(path.join(tmpdir(), "homedock-output-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("synth into a stack directory Terraform has used", () => {
  it("replaces what it renders and keeps everything else: a saved plan, an override, state, Terraform's working files, another stack", () => {
    const out = path.join(work, "kept", "cdktf.out");
    const stack = path.dirname(synth(buildModel(courseConfig()), out));
    const others: Record<string, string> = {
      [path.join(stack, "plan.bin")]: "a saved plan\n",
      [path.join(stack, "override.tf.json")]: '{"provider": {"docker": {"host": "ssh://admin@lab"}}}\n',
      [path.join(stack, "terraform.tfstate")]: '{"version": 4}\n',
      [path.join(stack, ".terraform.lock.hcl")]: "# lock\n",
      [path.join(stack, ".terraform", "providers", "marker")]: "provider\n",
      [path.join(out, "stacks", "old-name", "terraform.tfstate")]: '{"version": 4, "old": true}\n',
    };
    for (const [file, text] of Object.entries(others)) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
    const config = courseConfig();
    config.users = [...config.users!, { name: "dave", uid: 1004, gid: 1004 }];
    const again = synth(buildModel(config), out);
    expect(path.dirname(again)).toBe(stack);
    expect(readFileSync(again, "utf8")).toContain("course-dave.python-course");
    expect(readFileSync(path.join(stack, "terraform.tfvars.json"), "utf8")).toContain("course-dave.python-course");
    expect(statSync(path.join(stack, "terraform.tfvars.json")).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")).stacks.course.synthesizedStackPath).toBe("stacks/course/cdk.tf.json");
    for (const [file, text] of Object.entries(others)) expect(readFileSync(file, "utf8"), file).toBe(text);
  });
});

describe('where Terraform keeps the state (README, "What to back up")', () => {
  it("is terraform.<host>.tfstate in the directory the synth runs in, as an absolute path, not the stack's directory", () => {
    const out = path.join(work, "state", "build", "cdktf.out");
    const tf = JSON.parse(readFileSync(synth(buildModel(courseConfig()), out), "utf8"));
    expect(tf.terraform.backend).toEqual({ local: { path: path.join(process.cwd(), "terraform.course.tfstate") } });
  });
});
