// Reading a config file: YAML 1.2 (core schema, duplicate keys refused) into its value,
// and every problem the model then finds placed at its line and column, in file order
// (src/model/load.ts puts the two together).
//
// js-yaml parses the text once into events that keep their source offsets; the values
// are built from those events, and only when the config is refused are the same events
// walked again to find where each problem is.
import { closeSync, fstatSync, lstatSync, openSync, readSync, realpathSync } from "node:fs";
import * as path from "node:path";
import { CORE_SCHEMA, constructFromEvents, EVENT_ID, type Event, getScalarValue, parseEvents, SCALAR_STYLE, YAMLException } from "js-yaml";
import { ConfigError, fileError, formatIssue, LISTED, type PathSegment, shorten, unreadableFile } from "./issues";
import { within } from "./paths";
import { aliasRefusal, MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH } from "./bounds";

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

/** A node of the text: where it begins, and its children by key or index. */
interface Placed {
  readonly offset: number;
  children?: Map<PathSegment, Placed>;
}

interface Frame {
  readonly kind: "document" | "sequence" | "mapping";
  /** Undefined inside a mapping key that is itself a collection: nothing there has a path. */
  readonly node?: Placed;
  next: number;
  /** In a mapping: the key just read, waiting for its value. */
  key?: { readonly name?: string };
}

/**
 * Where each node of the text begins, as a tree by document and path (keys as the text
 * spells them). A tree, not a map keyed by whole paths: a long key is stored once, not
 * once for every node under it.
 */
function nodeOffsets(text: string, events: readonly Event[]): Placed[] {
  const documents: Placed[] = [];
  const stack: Frame[] = [];
  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) {
      const root: Placed = { offset: -1, children: new Map() };
      documents.push(root);
      stack.push({ kind: "document", node: root, next: 0 });
      continue;
    }
    if (event.type === EVENT_ID.POP) {
      stack.pop();
      continue;
    }
    const parent = stack[stack.length - 1];
    let segment: PathSegment | undefined;
    if (parent.kind === "document") segment = "";
    else if (parent.kind === "sequence") segment = parent.next++;
    else if (parent.key === undefined) {
      // A key: scalar keys name the value that follows; a collection as a key names nothing.
      parent.key = { name: event.type === EVENT_ID.SCALAR ? getScalarValue(text, event) : undefined };
    } else {
      segment = parent.key.name;
      parent.key = undefined;
    }
    let node: Placed | undefined;
    if (parent.node !== undefined && segment !== undefined) {
      node = { offset: nodeStart(text, event) };
      parent.node.children ??= new Map();
      parent.node.children.set(segment, node);
    }
    if (event.type === EVENT_ID.SEQUENCE || event.type === EVENT_ID.MAPPING) {
      stack.push({ kind: event.type === EVENT_ID.SEQUENCE ? "sequence" : "mapping", node, next: 0 });
    }
  }
  return documents;
}

/**
 * Line and column (1-based) where the node at `path` in document `document` begins,
 * or undefined where the text has no such node. `events` are the text's, when already parsed.
 */
export function sourcePositions(
  text: string,
  events: readonly Event[] = parseEvents(text, {}),
): (path: readonly PathSegment[], document?: number) => { line: number; col: number } | undefined {
  const documents = nodeOffsets(text, events);
  const position = lineCounter(text);
  return (path, document = 0) => {
    // A document's root hangs under "" in its own tree.
    let node = documents[document]?.children?.get("");
    for (const segment of path) node = node?.children?.get(segment);
    return node === undefined ? undefined : position(node.offset);
  };
}

/** js-yaml's reason at its place (its marks count from 0). */
function yamlError(err: unknown, label: string, source: string): ConfigError {
  if (!(err instanceof YAMLException)) throw err;
  const where = err.mark ? `${err.mark.line + 1}:${err.mark.column + 1}: ` : "";
  return fileError(source, `${label}: expected valid YAML: ${shorten(err.reason, 200)}`, where);
}

/** A config's YAML value, and the same problems placed at their lines once the model refuses it. */
export interface ConfigYaml {
  /** The document's value: not yet validated. */
  readonly input: unknown;
  /** `err` with each of its issues at its line and column, in file order. */
  readonly placed: (err: ConfigError) => ConfigError;
}

/**
 * Parses a config's YAML text (bounded, one document, no alias bombs); `source` names the
 * file in messages. Validating the value and building the model is src/model/load.ts's.
 */
export function readYaml(text: string, source = "config"): ConfigYaml {
  let events: Event[];
  let documents: unknown[];
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_CONFIG_BYTES) throw tooLarge(source, `${bytes} bytes`);
  try {
    events = parseEvents(text, { filename: source, maxDepth: MAX_CONFIG_DEPTH });
  } catch (err) {
    throw yamlError(err, "YAML syntax", source);
  }
  const refusal = aliasRefusal(text, events);
  if (refusal) {
    const { line, col } = lineCounter(text)(refusal.offset);
    throw fileError(source, refusal.reason, `${line}:${col}: `);
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
    throw fileError(source, "YAML syntax: expected valid YAML: a second document begins here; a config is one document", where);
  }
  const input = documents[0];
  if (input === null || input === undefined) {
    throw new ConfigError([{ path: [], message: "expected a config with at least one environment", hasValue: false }], source);
  }
  return { input, placed: (err) => placed(err, text, events, source) };
}

/** `err` with each of its issues at its line and column, in file order. */
function placed(err: ConfigError, text: string, events: readonly Event[], source: string): ConfigError {
  const positionOf = sourcePositions(text, events);
  const found = err.issues.map((issue) => {
    // The closest node that exists: a missing key is reported where its parent is.
    for (let n = issue.path.length; n >= 0; n--) {
      const pos = positionOf(issue.path.slice(0, n));
      if (pos !== undefined) return { ...pos, issue };
    }
    return { line: 0, col: 0, issue };
  });
  // In file order; only those the error lists are written out.
  const lines = found
    .sort((a, b) => a.line - b.line || a.col - b.col)
    .slice(0, LISTED)
    .map(({ line, col, issue }) => (line > 0 ? `${line}:${col}: ${formatIssue(issue)}` : formatIssue(issue)));
  return new ConfigError(err.issues, source, lines, err.unmapped);
}

function tooLarge(source: string, size: string): ConfigError {
  const message = `expected a config of at most ${MAX_CONFIG_BYTES / 2 ** 20} MiB`;
  return new ConfigError([{ path: [], message, value: size, hasValue: true }], source, [`(the whole file): got ${size}; ${message}`]);
}

/**
 * A config that is a link must point into its own directory: a pull request can make
 * homedock.yaml a link to a secret on the machine that plans it (a key, a registry
 * login), whose first characters an error message would then show.
 */
function checkLink(file: string): void {
  if (!lstatSync(file).isSymbolicLink()) return;
  const target = realpathSync(file);
  if (within(target, realpathSync(path.dirname(file)))) return;
  const message = "expected the config, or a link to a file in its own directory or below";
  throw new ConfigError([{ path: [], message, value: target, hasValue: true }], file, [`(the whole file): got a link to ${shorten(target)}; ${message}`]);
}

/**
 * The file's text, read no further than one byte past the limit: the file may be a
 * device or a /proc file that has no end, or a size its metadata does not tell.
 */
function readBounded(file: string): string {
  checkLink(file);
  const fd = openSync(file, "r");
  try {
    if (!fstatSync(fd).isFile()) {
      throw new ConfigError([{ path: [], message: "expected a regular file", hasValue: false }], file, [
        "(the whole file): got something other than a file; expected a regular file",
      ]);
    }
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_CONFIG_BYTES) throw tooLarge(file, `more than ${MAX_CONFIG_BYTES} bytes`);
    return buffer.toString("utf8", 0, length);
  } finally {
    closeSync(fd);
  }
}

/** A config file's text: bounded, and a link only into its own directory. */
export function readConfigFile(file: string): string {
  try {
    return readBounded(file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw unreadableFile(file, err);
  }
}
