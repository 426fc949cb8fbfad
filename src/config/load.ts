// Reading a config file: YAML 1.2 (core schema, duplicate keys refused) into the model,
// with every problem reported at its line and column, in file order.
//
// js-yaml parses the text once into events that keep their source offsets; the values
// are built from those events, and only when the config is refused are the same events
// walked again to find where each problem is.
import { existsSync, readFileSync } from "node:fs";
import { CORE_SCHEMA, constructFromEvents, EVENT_ID, type Event, getScalarValue, parseEvents, SCALAR_STYLE, YAMLException } from "js-yaml";
import { buildModel, type HostModel } from "../model/model";
import { ConfigError, type ConfigIssue, formatIssue, type PathSegment } from "../model/issues";

interface Located {
  /** 1-based; 0 where no place in the file is known. */
  readonly line: number;
  readonly col: number;
  readonly text: string;
}

function located(lines: readonly Located[]): string[] {
  return [...lines]
    .sort((a, b) => a.line - b.line || a.col - b.col)
    .map((l) => (l.line > 0 ? `${l.line}:${l.col}: ${l.text}` : l.text));
}

/** Line and column (both 1-based) of each offset in `text`. */
function lineCounter(text: string): (offset: number) => { line: number; col: number } {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo] + 1 };
  };
}

/**
 * Where a node's value begins (after any tag or anchor): a quoted scalar at its quote,
 * a block scalar at its first character (at the end of its header when it is empty).
 */
function nodeStart(text: string, event: Exclude<Event, { type: typeof EVENT_ID.DOCUMENT | typeof EVENT_ID.POP }>): number {
  switch (event.type) {
    case EVENT_ID.ALIAS:
      return event.anchorStart - 1;
    case EVENT_ID.SEQUENCE:
    case EVENT_ID.MAPPING:
      return event.start;
  }
  switch (event.style) {
    case SCALAR_STYLE.SINGLE_QUOTED:
    case SCALAR_STYLE.DOUBLE_QUOTED:
      return event.valueStart - 1;
    case SCALAR_STYLE.LITERAL_BLOCK:
    case SCALAR_STYLE.FOLDED_BLOCK: {
      const first = text.slice(event.valueStart, event.valueEnd).search(/\S/);
      return first === -1 ? event.valueStart - 1 : event.valueStart + first;
    }
  }
  return event.valueStart;
}

interface Frame {
  readonly kind: "document" | "sequence" | "mapping";
  /** Undefined inside a mapping key that is itself a collection: nothing there has a path. */
  readonly path?: readonly PathSegment[];
  next: number;
  /** In a mapping: the key just read, waiting for its value. */
  key?: { readonly name?: string };
}

/**
 * The offset at which each node of the text begins, by document and path
 * (`0:["users",2,"uid"]`). Keys are matched as the text spells them.
 */
function nodeOffsets(text: string, events: readonly Event[]): Map<string, number> {
  const offsets = new Map<string, number>();
  const stack: Frame[] = [];
  let document = -1;
  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) {
      document++;
      stack.push({ kind: "document", path: [], next: 0 });
      continue;
    }
    if (event.type === EVENT_ID.POP) {
      stack.pop();
      continue;
    }
    const parent = stack[stack.length - 1];
    let path: readonly PathSegment[] | undefined;
    if (parent.kind === "document") path = parent.path;
    else if (parent.kind === "sequence") path = parent.path && [...parent.path, parent.next++];
    else if (parent.key === undefined) {
      // A key: scalar keys name the value that follows; a collection as a key names nothing.
      parent.key = { name: event.type === EVENT_ID.SCALAR ? getScalarValue(text, event) : undefined };
    } else {
      const { name } = parent.key;
      parent.key = undefined;
      path = parent.path && name !== undefined ? [...parent.path, name] : undefined;
    }
    if (path !== undefined) offsets.set(`${document}:${JSON.stringify(path)}`, nodeStart(text, event));
    if (event.type === EVENT_ID.SEQUENCE || event.type === EVENT_ID.MAPPING) {
      stack.push({ kind: event.type === EVENT_ID.SEQUENCE ? "sequence" : "mapping", path, next: 0 });
    }
  }
  return offsets;
}

/**
 * Line and column (1-based) where the node at `path` in document `document` begins,
 * or undefined where the text has no such node. `events` are the text's, when already parsed.
 */
export function sourcePositions(
  text: string,
  events: readonly Event[] = parseEvents(text, {}),
): (path: readonly PathSegment[], document?: number) => { line: number; col: number } | undefined {
  const offsets = nodeOffsets(text, events);
  const position = lineCounter(text);
  return (path, document = 0) => {
    const at = offsets.get(`${document}:${JSON.stringify(path)}`);
    return at === undefined ? undefined : position(at);
  };
}

/** js-yaml's reason at its place (its marks count from 0). */
function yamlError(err: unknown, label: string, source: string): ConfigError {
  if (!(err instanceof YAMLException)) throw err;
  const where = err.mark ? `${err.mark.line + 1}:${err.mark.column + 1}: ` : "";
  return new ConfigError([], source, [`${where}${label}: expected valid YAML: ${err.reason}`]);
}

/** Parses YAML text into the model; `source` names the file in messages. */
export function parseConfig(text: string, source = "config", exists?: (file: string) => boolean): HostModel {
  let events: Event[];
  let documents: unknown[];
  try {
    events = parseEvents(text, { filename: source });
  } catch (err) {
    throw yamlError(err, "YAML syntax", source);
  }
  try {
    documents = constructFromEvents(events, { source: text, schema: CORE_SCHEMA });
  } catch (err) {
    const label = err instanceof YAMLException && err.reason.startsWith("duplicated mapping key") ? "duplicate key" : "YAML";
    throw yamlError(err, label, source);
  }
  if (documents.length > 1) {
    const pos = sourcePositions(text, events)([], 1);
    const where = pos ? `${pos.line}:${pos.col}: ` : "";
    throw new ConfigError([], source, [`${where}YAML syntax: expected valid YAML: a second document begins here; a config is one document`]);
  }
  const input = documents[0];
  if (input === null || input === undefined) {
    throw new ConfigError([{ path: [], message: "expected a config with at least one environment", hasValue: false }], source);
  }
  try {
    return buildModel(input, source, exists);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const positionOf = sourcePositions(text, events);
    const lines = err.issues.map((issue: ConfigIssue) => {
      // The closest node that exists: a missing key is reported where its parent is.
      for (let n = issue.path.length; n >= 0; n--) {
        const pos = positionOf(issue.path.slice(0, n));
        if (pos !== undefined) return { ...pos, text: formatIssue(issue) };
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
  return parseConfig(text, file, existsSync);
}
