// New users written as text after the last one, in the file's own indentation: the
// yaml package's writer takes seconds for 10,000 new items, this a few milliseconds,
// and the rest of the file stays byte for byte as it was.
import { type Document, isSeq } from "yaml";
import { yamlScalar } from "../config/yaml-scalar";

/** A name, path or id as the Compose file writes it; a list of them as a flow list. */
function field(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(field).join(", ")}]`;
  return yamlScalar(value as string | number);
}

/** Column of `offset` in `text`. */
function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf("\n", offset - 1) + 1);
}

/**
 * `text` with `entries` (config user items) added to the end of its users list, or
 * undefined when the list has a shape this does not write into (a flow list with
 * items, an empty value): the caller then adds them through the document.
 * @param doc `text` parsed
 * @param seqIndent where a new list's `-` goes when the file has no users yet
 */
export function appendUsers(text: string, doc: Document, entries: readonly Record<string, unknown>[], seqIndent: number): string | undefined {
  const list = doc.get("users", true);
  const block = (dash: number, content: number) =>
    entries
      .map((entry) =>
        Object.entries(entry)
          .map(([k, v], i) => `${i === 0 ? `${" ".repeat(dash)}-${" ".repeat(content - dash - 1)}` : " ".repeat(content)}${k}: ${field(v)}\n`)
          .join(""),
      )
      .join("");
  const ended = text === "" || text.endsWith("\n") ? text : `${text}\n`;
  if (list === undefined && !doc.has("users")) return `${ended}users:\n${block(seqIndent, seqIndent + 2)}`;
  if (!isSeq(list) || list.range == null) return undefined;
  const [start, end] = list.range;
  if (list.flow) {
    // `users: []` alone on its line becomes a block list.
    if (list.items.length > 0 || !/^[ \t]*(?:\n|$)/.test(text.slice(end))) return undefined;
    const lineEnd = text.indexOf("\n", end);
    const rest = lineEnd === -1 ? "" : text.slice(lineEnd + 1);
    return `${text.slice(0, start).trimEnd()}\n${block(seqIndent, seqIndent + 2)}${rest}`;
  }
  const first = list.items[0] as { range?: [number, number, number] } | undefined;
  if (first?.range == null) return undefined;
  const dash = column(text, start);
  const head = text.slice(0, end);
  return `${head.endsWith("\n") ? head : `${head}\n`}${block(dash, column(text, first.range[0]))}${text.slice(end)}`;
}
