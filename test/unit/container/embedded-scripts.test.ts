// src/container/scripts.ts holds the shell scripts beside it, byte for byte: the compiled
// code reads none of them from disk, so that a bundler may take it in.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { EMBEDDED_FILE, embeddedScripts } from "../../../scripts/embed-scripts";

it("src/container/scripts.ts is what scripts/embed-scripts.ts makes of seed/*.sh and root/*.sh (run it after editing a script)", () => {
  expect(readFileSync(EMBEDDED_FILE, "utf8")).toBe(embeddedScripts());
});
