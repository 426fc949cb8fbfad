import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { configJsonSchema } from "../../../src/config/json-schema";
import { configSchema } from "../../../src/config/schema";
import { cases, configObject } from "../../helpers/config-cases";

/** What the validator's schema rejects but JSON Schema cannot say: it is computed. */
const COMPUTED = new Set(["memory below 6m", "session under a minute", "session over 30 days", "failedSignIns window over a day"]);

const root = path.resolve(__dirname, "../../..");
const shipped = JSON.parse(readFileSync(path.join(root, "homedock.schema.json"), "utf8"));
const { $schema: _, ...schema } = shipped;
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

describe("homedock.schema.json", () => {
  it("is generated from the schema that validates configs (npm run schema)", () => {
    expect(shipped).toEqual(configJsonSchema());
  });

  it.each(readdirSync(path.join(root, "examples")).filter((f) => f.endsWith(".yaml")))("accepts examples/%s, which points editors at it", (file) => {
    const text = readFileSync(path.join(root, "examples", file), "utf8");
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=../homedock.schema.json");
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  // What the JSON Schema can say (types, patterns, ranges, unknown keys) it says as
  // the validator does; checks across fields and computed ones are the validator's alone.
  it.each(cases.filter(([what]) => !COMPUTED.has(what)))("agrees with the validator's schema: %s", (_, patch) => {
    const config = configObject(patch);
    expect(validate(config)).toBe(configSchema.safeParse(config).success);
  });

  it("leaves the computed checks to the validator", () => {
    for (const [what, patch] of cases.filter(([w]) => COMPUTED.has(w))) {
      expect([what, validate(configObject(patch)), configSchema.safeParse(configObject(patch)).success]).toEqual([what, true, false]);
    }
  });
});
