// What a config file may make the reader do. A config is untrusted input (it comes by
// pull request and is planned in CI), so its size is limited before it is parsed, and
// its aliases before any value is built: js-yaml builds an alias as a reference to the
// anchored value, so a few lines of aliases make a value that is small in memory but
// exponentially large to every walk of it (validation, error messages).
import { EVENT_ID, type Event } from "js-yaml";
import { shorten } from "./issues";

/**
 * Largest config file: 1.5 times the 10,000-user config the benchmarks read (678 KiB),
 * the largest host they cover.
 */
export const MAX_CONFIG_BYTES = 2 ** 20;

/**
 * Most nodes (keys, values, items) a config may have once its aliases are expanded:
 * twice the 10,000-user config's 95,000. Every walk of a config is linear in its nodes,
 * and zod takes a few microseconds for each problem it finds, so this is what bounds
 * the time to the error of a config that is wrong everywhere (about a second).
 */
export const MAX_CONFIG_NODES = 200_000;

/** Deepest nesting, aliases expanded. A config is five levels deep; this is js-yaml's own default. */
export const MAX_CONFIG_DEPTH = 100;

/** Why and where (a source offset) the text is refused. */
export interface Refusal {
  readonly offset: number;
  readonly reason: string;
}

interface Frame {
  /** Nodes in the collection so far, its own included. */
  size: number;
  /** Levels of collections in it so far, its own included. */
  height: number;
  readonly anchor?: string;
}

/** An anchored node: how many nodes each alias to it adds, and how many levels. */
interface Anchored {
  readonly size: number;
  readonly height: number;
}

const count = (n: number) => n.toLocaleString("en-US");

/**
 * The first place where the text has more than MAX_CONFIG_NODES nodes or is deeper than
 * MAX_CONFIG_DEPTH, aliases expanded, or where an alias points into the node that holds
 * it (an endless value); undefined when there is none. One pass over the events: an
 * alias costs what its anchor's node cost, without being expanded.
 */
export function aliasRefusal(text: string, events: readonly Event[]): Refusal | undefined {
  // A text without a "*" has no alias, and then no more nodes than events: nothing to
  // refuse, and no pass over the events (about 10 ms, cold, at 1,000 workspaces).
  if (events.length <= MAX_CONFIG_NODES && !text.includes("*")) return undefined;
  const stack: Frame[] = [];
  // "open": the anchored collection has begun but not ended.
  let anchors = new Map<string, Anchored | "open">();
  let total = 0;
  const nest = (size: number, height: number): void => {
    const parent = stack[stack.length - 1];
    if (parent === undefined) return;
    parent.size += size;
    parent.height = Math.max(parent.height, height + 1);
  };
  const anchorOf = (e: { anchorStart: number; anchorEnd: number }) => (e.anchorStart === -1 ? undefined : text.slice(e.anchorStart, e.anchorEnd));
  // Only on a refusal: the first toLocaleString of a process costs about 14 ms (ICU).
  const tooMany = () => `expected at most ${count(MAX_CONFIG_NODES)} nodes (keys, values and items) in the config`;
  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        anchors = new Map();
        break;
      case EVENT_ID.SCALAR: {
        const anchor = anchorOf(event);
        if (anchor !== undefined) anchors.set(anchor, { size: 1, height: 0 });
        if (++total > MAX_CONFIG_NODES) return { offset: event.valueStart, reason: `${tooMany()}; it has more from here` };
        nest(1, 0);
        break;
      }
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING: {
        const anchor = anchorOf(event);
        if (anchor !== undefined) anchors.set(anchor, "open");
        if (++total > MAX_CONFIG_NODES) return { offset: event.start, reason: `${tooMany()}; it has more from here` };
        stack.push({ size: 1, height: 1, anchor });
        break;
      }
      case EVENT_ID.POP: {
        // A document's end pops nothing here: documents are not frames.
        const frame = stack.pop();
        if (frame === undefined) break;
        if (frame.anchor !== undefined) anchors.set(frame.anchor, { size: frame.size, height: frame.height });
        nest(frame.size, frame.height);
        break;
      }
      case EVENT_ID.ALIAS: {
        const name = text.slice(event.anchorStart, event.anchorEnd);
        const anchored = anchors.get(name);
        const at = { offset: event.anchorStart - 1 };
        // An unknown anchor is js-yaml's to report.
        if (anchored === undefined) break;
        const alias = `alias *${shorten(name)}`;
        if (anchored === "open") return { ...at, reason: `${alias}: expected an alias to a node that does not hold it (this value would never end)` };
        total += anchored.size;
        if (total > MAX_CONFIG_NODES) return { ...at, reason: `${alias}: ${tooMany()}, aliases expanded; with this one it has ${count(total)}` };
        if (stack.length + anchored.height > MAX_CONFIG_DEPTH) {
          return {
            ...at,
            reason: `${alias}: expected at most ${MAX_CONFIG_DEPTH} levels of nesting, aliases expanded; with this one it has ${stack.length + anchored.height}`,
          };
        }
        nest(anchored.size, anchored.height);
        break;
      }
    }
  }
  return undefined;
}
