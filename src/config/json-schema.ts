// The JSON Schema editors use for homedock.yaml, generated from the same zod schema
// that validates it (`npm run schema` writes homedock.schema.json).
import { z } from "zod";
import { configSchema } from "./schema";

/** The config's JSON Schema (what `homedock schema` prints), made from the same schema that validates it. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: "input", target: "draft-7" }),
    title: "homedock host configuration",
  };
}
