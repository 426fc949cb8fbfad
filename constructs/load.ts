// Reading a config file: YAML (duplicate keys refused) into the model, with every
// problem reported at its line and column, in file order.
import { readFileSync } from "node:fs";
import { isNode, LineCounter, parseDocument } from "yaml";
import { buildModel, ConfigError, type ConfigIssue, formatIssue, type HostModel } from "./model";

interface Located {
  readonly line: number;
  readonly col: number;
  readonly text: string;
}

function located(lines: readonly Located[]): string[] {
  return [...lines]
    .sort((a, b) => a.line - b.line || a.col - b.col)
    .map((l) => (l.line > 0 ? `${l.line}:${l.col}: ${l.text}` : l.text));
}

/** Parses YAML text into the model; `source` names the file in messages. */
export function parseConfig(text: string, source = "config"): HostModel {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      const issue: ConfigIssue = { path: [], message: `expected valid YAML: ${e.message.split("\n")[0]}`, hasValue: false };
      return { line: pos.line, col: pos.col, text: `${e.code === "DUPLICATE_KEY" ? "duplicate key" : "YAML syntax"}: ${issue.message}` };
    });
    throw new ConfigError([], source, located(lines));
  }
  const input: unknown = doc.toJS();
  if (input === null || input === undefined) {
    throw new ConfigError([{ path: [], message: "expected a config with at least one environment", hasValue: false }], source);
  }
  try {
    return buildModel(input, source);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const lines = err.issues.map((issue) => {
      // The closest node that exists: a missing key is reported where its parent is.
      for (let n = issue.path.length; n >= 0; n--) {
        const node = doc.getIn(issue.path.slice(0, n), true);
        if (isNode(node) && node.range) {
          const pos = lineCounter.linePos(node.range[0]);
          return { line: pos.line, col: pos.col, text: formatIssue(issue) };
        }
      }
      return { line: 0, col: 0, text: formatIssue(issue) };
    });
    throw new ConfigError(err.issues, source, located(lines));
  }
}

/** Reads and parses a config file. */
export function loadConfig(file: string): HostModel {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError([], file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return parseConfig(text, file);
}
