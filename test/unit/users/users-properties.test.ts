// Properties of `homedock users import` over generated account databases and configs:
// a second import changes nothing, and a merge keeps every comment and hand-set key.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseAccountDatabase } from "../../../src/users/account-db";
import { importUsers, type ImportOptions } from "../../../src/users/import";

interface Scenario {
  readonly passwd: string;
  readonly group: string;
  readonly config: string;
  /** Every comment text written into the config. */
  readonly comments: readonly string[];
  /** Hand-set keys by user name. */
  readonly handSet: ReadonlyMap<string, Record<string, unknown>>;
  readonly options: ImportOptions;
}

const GROUPS = ["staff", "stats", "lab", "extra"];

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    accounts: fc.uniqueArray(
      fc.record({
        name: fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/),
        gid: fc.integer({ min: 1000, max: 1010 }),
        customHome: fc.boolean(),
        groups: fc.subarray(GROUPS),
      }),
      { selector: (a) => a.name, minLength: 1, maxLength: 15 },
    ),
    // Users already in the config: some from the database (maybe with an old uid), some gone from it.
    existing: fc.array(
      fc.record({
        pick: fc.nat(),
        drifted: fc.boolean(),
        memory: fc.option(fc.integer({ min: 6, max: 4096 })),
        cpus: fc.option(fc.integer({ min: 1, max: 8 })),
        comment: fc.boolean(),
      }),
      { maxLength: 8 },
    ),
    gone: fc.uniqueArray(fc.stringMatching(/^zz[a-z]{1,4}$/), { maxLength: 3 }),
    restricted: fc.subarray(GROUPS),
    options: fc.record({ update: fc.boolean(), prune: fc.boolean(), groups: fc.option(fc.subarray(GROUPS, { minLength: 1 }), { nil: undefined }) }),
  })
  .map(({ accounts, existing, gone, restricted, options }) => {
    const passwd = accounts
      .map((a, i) => `${a.name}:x:${1000 + i}:${a.gid}:${a.name},,,:${a.customHome ? `/srv/h/${a.name}` : `/home/${a.name}`}:/bin/sh`)
      .join("\n");
    const group = GROUPS.map(
      (g, i) =>
        `${g}:x:${2000 + i}:${accounts
          .filter((a) => a.groups.includes(g))
          .map((a) => a.name)
          .join(",")}`,
    ).join("\n");
    const comments: string[] = ["# the host"];
    const handSet = new Map<string, Record<string, unknown>>();
    const lines = [
      "# the host",
      "host:",
      "  name: lab",
      "environments:",
      "  - name: py",
      "    image: x/py:1",
      '    command: [sleep, "1"]',
      ...(restricted.length > 0 ? [`    groups: [${restricted.join(", ")}]`] : []),
      "users:",
    ];
    const seen = new Set<string>();
    const item = (name: string, uid: number, gid: number, extra: { memory: number | null; cpus: number | null; comment: boolean }, n: number) => {
      if (extra.comment) {
        comments.push(`# about ${name}`, `# trailing ${n}`);
        lines.push(`  # about ${name}`);
      }
      lines.push(`  - name: ${name}${extra.comment ? `   # trailing ${n}` : ""}`, `    uid: ${uid}`, `    gid: ${gid}`);
      const keys: Record<string, string | number> = {};
      if (extra.memory !== null) keys.memory = `${extra.memory}m`;
      if (extra.cpus !== null) keys.cpus = extra.cpus;
      for (const [k, v] of Object.entries(keys)) lines.push(`    ${k}: ${v}`);
      handSet.set(name, keys);
    };
    existing.forEach((e, n) => {
      const i = e.pick % accounts.length;
      const a = accounts[i];
      if (seen.has(a.name)) return;
      seen.add(a.name);
      // An old uid of its own range, so that it never collides with an imported one.
      item(a.name, e.drifted ? 80000 + i : 1000 + i, a.gid, e, n);
    });
    gone.forEach((name, i) => item(name, 70000 + i, 70000 + i, { memory: 512, cpus: null, comment: true }, 100 + i));
    if (seen.size + gone.length === 0) lines[lines.length - 1] = "users: []";
    return { passwd, group, config: `${lines.join("\n")}\n`, comments, handSet, options };
  });

function run(s: Scenario, text = s.config) {
  return importUsers(text, "lab.yaml", parseAccountDatabase(s.passwd, s.group), s.options);
}

describe("homedock users import, properties", () => {
  it("is idempotent: importing again changes nothing", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const once = run(s);
        const twice = run(s, once.text);
        expect(twice.text).toBe(once.text);
        expect(twice.changes.filter((c) => c.kind === "added" || (c.kind === "changed" && c.applied) || (c.kind === "gone" && c.removed))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it("keeps every comment and every hand-set key of the users it keeps", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { text } = run(s);
        const users = new Map<string, Record<string, unknown>>((parse(text).users ?? []).map((u: Record<string, unknown>) => [u.name, u]));
        for (const [name, keys] of s.handSet) {
          const user = users.get(name);
          if (user === undefined) {
            // Only a user gone from the database, with --prune, leaves.
            expect(name.startsWith("zz") && s.options.prune).toBe(true);
            continue;
          }
          for (const [k, v] of Object.entries(keys)) expect(user[k]).toEqual(v);
        }
        for (const comment of s.comments) {
          const owner = /^# (?:about|trailing) (zz[a-z]+|\d+)$/.exec(comment);
          if (s.options.prune && owner && (owner[1].startsWith("zz") || Number(owner[1]) >= 100)) continue;
          expect(text).toContain(comment);
        }
      }),
      { numRuns: 150 },
    );
  });
});
