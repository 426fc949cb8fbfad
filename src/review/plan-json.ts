// Terraform's plan JSON (`terraform show -json <saved plan>`), as far as the review reads
// it: each resource change's address, type, mode, actions, before and after, and of the
// docker_container, docker_image, docker_network and docker_volume values (and of
// terraform_data, homedock's starts of root containers) the attributes the review looks
// at. Everything else is kept as it is, unchecked and unknown: `changed` compares every
// attribute of an update, whatever it is.
//
// The schemas only check: the review reads the plan's own objects, not zod's copies. No
// schema here transforms, so an object that passes is what its type says, other keys
// aside. A copy that keeps those keys (a loose object) took five times as long as the
// check at 10,000 containers.
import { z } from "zod";
import { formatPath, formatValue, LISTED, type PathSegment, shorten } from "../config/issues";

const expected = (what: string) => ({ error: `expected ${what}` });

/** An optional attribute: Terraform writes null where it is unset, and leaves it out where it is not known yet. */
const optional = <T extends z.ZodType>(schema: T) => schema.nullish();
const list = <T extends z.ZodType>(what: string, element: T) => optional(z.array(element, expected(`a list of ${what}`)));
const text = (what = "a string") => z.string(expected(what));
const number = (what = "a number") => z.number(expected(what));

/**
 * The attributes the review reads of the four docker resources (one shape for all: each
 * has only some of them). A list element Terraform does not know yet is null: a command's
 * is read as such; a label, port, ulimit or mount is not expected to be unknown.
 */
export const planValues = z.object(
  {
    name: text().optional(),
    image: text("a string (the image's id)").optional(),
    image_id: text().optional(),
    labels: list("labels ({label, value})", z.object({ label: text(), value: text() }, expected("a label ({label, value})"))),
    command: list("strings", z.string(expected("a string")).nullable()),
    ports: list(
      "ports ({internal, external, ip})",
      z.object({ internal: number(), external: optional(number()), ip: optional(text()) }, expected("a port ({internal, external, ip})")),
    ),
    memory: optional(number("a number of MiB")),
    memory_swap: optional(number("a number of MiB")),
    cpus: optional(z.union([z.string(), z.number()], expected("a number of CPUs (a string or a number)"))),
    ulimit: list(
      "ulimits ({name, soft, hard})",
      z.object({ name: text(), soft: optional(number()), hard: optional(number()) }, expected("a ulimit ({name, soft, hard})")),
    ),
    restart: optional(text()),
    must_run: optional(z.boolean(expected("true or false"))),
    mounts: list(
      "mounts ({target, source, read_only})",
      z.object(
        { target: text(), source: optional(text()), read_only: optional(z.boolean(expected("true or false"))) },
        expected("a mount ({target, source, read_only})"),
      ),
    ),
    working_dir: optional(text()),
    // A terraform_data's: what homedock's start of a root container is triggered by (its
    // container's name, id and process limit); any other terraform_data's is its own, and
    // the review reads only the shape it knows (src/review/review.ts: startOf).
    triggers_replace: z.unknown().optional(),
  },
  expected("an object of attribute values, or null"),
);

/** A resource's attribute values: those the review reads, as checked; any other, unknown. */
export type PlanValues = z.output<typeof planValues> & { readonly [attribute: string]: unknown };

/** The resource types the review reports (docker_service: a Swarm's workspaces; terraform_data: the starts of root containers); the changes of any other are checked only as entries. */
export const REVIEWED_TYPES: readonly string[] = ["docker_container", "docker_service", "docker_image", "docker_network", "docker_volume", "terraform_data"];

const actions = z.array(text(), expected('a list of actions like ["create"]'));
const CHANGE = expected("an object {actions, before, after, ...}");

/** One entry of resource_changes, as far as every entry is checked. */
const entry = z.object(
  {
    address: text("a string (the resource's address)"),
    type: text("a string (the resource type)"),
    mode: text('a string ("managed" or "data")'),
    change: z.object({ actions }, CHANGE),
    action_reason: optional(text()),
  },
  expected("an object {address, type, mode, change, ...}"),
);

/** An entry of a reviewed type: its change's before and after, what is unknown, what forced a replacement. */
const reviewed = entry.extend({
  change: z.object(
    {
      actions,
      before: planValues.nullish(),
      after: planValues.nullish(),
      after_unknown: optional(z.union([z.boolean(), z.record(z.string(), z.unknown())], expected("an object or a boolean"))),
      replace_paths: list(
        "attribute paths",
        z.array(z.union([z.string(), z.number()]), expected("a list of keys and indexes")).min(1, expected("a path of at least one key")),
      ),
    },
    CHANGE,
  ),
});

type Checked = z.output<typeof reviewed>;
/** One change of a reviewed type, as checked; its values with their other attributes too. */
export type PlanResourceChange = Omit<Checked, "change"> & {
  readonly change: Omit<Checked["change"], "before" | "after"> & { readonly before?: PlanValues | null; readonly after?: PlanValues | null };
};

/** The changes `readResourceChanges` keeps, and a line for each problem of the plan's shape. */
export interface ReadChanges {
  readonly changes: PlanResourceChange[];
  /** The first LISTED problems: where (the path, and the resource's address), what was there, what was expected. */
  readonly problems: readonly string[];
  /** How many more problems there are. */
  readonly more: number;
}

const isReviewed = (raw: unknown) =>
  raw !== null &&
  typeof raw === "object" &&
  (raw as { mode?: unknown }).mode === "managed" &&
  REVIEWED_TYPES.includes((raw as { type?: unknown }).type as string);

/**
 * The managed changes of the reviewed types from a plan's resource_changes, each checked
 * (the rest only as entries), with every problem of their shape under `resource_changes[i]`.
 */
export function readResourceChanges(entries: readonly unknown[]): ReadChanges {
  const changes: PlanResourceChange[] = [];
  const problems: string[] = [];
  let more = 0;
  entries.forEach((raw, i) => {
    const reviewing = isReviewed(raw);
    const read = (reviewing ? reviewed : entry).safeParse(raw, { reportInput: true });
    if (read.success) {
      // the plan's own object: see the top of the file
      if (reviewing) changes.push(raw as PlanResourceChange);
      return;
    }
    const address = (raw as { address?: unknown } | null)?.address;
    const named = typeof address === "string" ? ` (${shorten(address)})` : "";
    for (const issue of read.error.issues) {
      if (problems.length >= LISTED) {
        more++;
        continue;
      }
      const path: PathSegment[] = ["resource_changes", i, ...(issue.path as PathSegment[])];
      const got = formatValue({ path, message: issue.message, value: issue.input, hasValue: issue.input !== undefined });
      problems.push(`${formatPath(path)}${named}: got ${got}; ${issue.message}`);
    }
  });
  return { changes, problems, more };
}
