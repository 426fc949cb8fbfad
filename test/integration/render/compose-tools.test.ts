// The Compose file read by the tools that define Compose: the specification's JSON
// Schema (from compose-go, at the version our Compose build uses, through Go) and
// `docker compose config`. The stack file is read by `docker stack deploy` itself, on the
// test Swarm (test/e2e/swarm.test.ts): Debian's docker CLI 20.10 has no `stack config`.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import { renderCompose } from "../../../src/render/compose";
import { SEEDER_SCRIPT } from "../../../src/container/container";
import { writeComposeSecrets } from "../../../src/output/secrets";
import { courseConfig, type Json } from "../../helpers/synth";

const compose: Json = parse(renderCompose(buildModel(courseConfig())), { merge: true });

/** The Compose JSON Schema that ships with compose-go, at the version our Compose build uses. */
function composeSchema(): Json {
  const dir = execFileSync("go", ["list", "-mod=mod", "-m", "-f", "{{.Dir}}", "github.com/compose-spec/compose-go/v2"], {
    cwd: path.resolve(__dirname, "../../../scripts/compose"),
    encoding: "utf8",
  }).trim();
  const { $schema: _, ...schema } = JSON.parse(readFileSync(path.join(dir, "schema/compose-spec.json"), "utf8"));
  expect(_).toMatch(/draft-07/); // Ajv's default draft
  return schema;
}

describe("the Compose file", () => {
  it("validates against the Compose specification's schema", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(composeSchema());
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
  });

  it("is read by docker compose without a warning, with every '$' literal", () => {
    const config = courseConfig();
    config.environments[0] = { ...config.environments[0], env: { PRICE: "$5 ${HOME}" }, command: ["echo", "$HOME"] };
    const dir = mkdtempSync(path.join(tmpdir(), "homedock-compose-"));
    const file = path.join(dir, "docker-compose.yml");
    writeFileSync(file, renderCompose(buildModel(config)));
    writeComposeSecrets(dir, buildModel(config));
    const r = spawnSync("docker", ["compose", "-f", file, "config", "--format", "json"], { encoding: "utf8", env: { ...process.env, HOME: "/nowhere" } });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    // `config` prints a Compose file again, so literal dollars come back escaped;
    // nothing was interpolated (HOME is /nowhere here). Inside a running container the
    // values are checked in the e2e suite.
    const resolved: Json = JSON.parse(r.stdout);
    const bob = resolved.services["bob.python-course"];
    expect(bob.environment.PRICE).toBe("$$5 $${HOME}");
    expect(bob.command).toEqual(["echo", "$$HOME"]);
    expect(bob.entrypoint[2]).toBe(SEEDER_SCRIPT.replace(/\$/g, "$$$$"));
    expect(r.stdout).not.toContain("/nowhere");
    expect(bob.user).toBe("1002:1002");
  });
});
