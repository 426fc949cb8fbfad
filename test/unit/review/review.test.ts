// The plan review on real plans recorded by the deploy e2e suite
// (test/fixtures/plans); hand-written JSON only for input that is not a plan.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { planVerdict, PlanError, REVIEW_EXIT, reviewMarkdown, reviewPlan, summarizePlan } from "../../../src/review/review";

const fixtures = path.resolve(__dirname, "../../fixtures/plans");
const plan = (name: string) => readFileSync(path.join(fixtures, `${name}.json`), "utf8");
const host = (name: string) =>
  JSON.parse(plan(name))
    .resource_changes.flatMap((c: any) => c.change.after?.labels ?? c.change.before?.labels ?? [])
    .find((l: any) => l.label === "homedock.host").value;

describe("reviewing a real plan", () => {
  it("an image upgrade: the replaced workspaces first, with the attribute that forced it", () => {
    const { markdown, exitCode } = reviewPlan(plan("upgrade-image"));
    expect(markdown).toContain("**3 workspaces replaced, 0 removed, 0 added, 0 updated in place, 2 unchanged.**");
    const warning = markdown.indexOf("### ⚠ Servers that stop");
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(markdown.indexOf("### By user"));
    for (const user of ["alice", "bob", "carol"]) {
      expect(markdown).toContain(`| ${user} / py | restarted in a new container | image upgraded |`);
    }
    expect(markdown).toContain("- **alice**: restarts py (image upgraded); 1 unchanged");
    expect(markdown).toMatch(/- image `homedock-test\/seed-v1:\w+` replaced by `homedock-test\/seed-v2:\w+` \(the old one stays on the host\)/);
    expect(exitCode).toBe(REVIEW_EXIT.ok);
  });

  it("an added user: gains, a home, nothing that stops", () => {
    const { markdown } = reviewPlan(plan("add-user"));
    expect(markdown).toContain("**0 workspaces replaced, 0 removed, 1 added, 0 updated in place, 5 unchanged.**");
    expect(markdown).toContain("- **dave**: gains py");
    expect(markdown).toContain("- home of dave: created if missing");
    expect(markdown).not.toContain("Servers that stop");
    // unchanged workspaces are counted, not listed
    expect(markdown).not.toContain("alice");
  });

  it("an added user on a host of one home one-shot per home image: gains, a home, the one-shot runs again, plainly", () => {
    const { summary, markdown } = reviewPlan(plan("add-user-homes"));
    const h = host("add-user-homes");
    expect(markdown).toContain("**0 workspaces replaced, 0 removed, 1 added, 0 updated in place, 5 unchanged.**");
    expect(markdown).toContain("- **dave**: gains py");
    expect(summary.resources).toEqual([
      { resource: "home", change: "added", user: "dave" },
      { resource: "homes", change: "replaced", container: `${h}-homes-py`, users: ["alice", "bob", "carol", "dave"] },
    ]);
    expect(markdown).toContain(
      `### Images, homes and networks\n\n- \`${h}-homes-py\` runs again for the homes of alice, bob, carol and dave (a home is made only where it is missing; an existing one is left as it is)\n- home of dave: created if missing\n`,
    );
    // Nothing that stops, nothing said to run as root with another image, no home let go.
    expect(markdown).not.toContain("⚠");
    expect(markdown).not.toContain("no longer managed");
    expect(summary.rootImages).toEqual([]);
  });

  it("a host of a home container per user (an earlier homedock) planned with one-shots per home image: they go, one comes, no home is let go", () => {
    // add-user.json's host, planned by this homedock: its per-user home containers (and
    // their starts) deleted, dave's not made, and add-user-homes.json's one-shot of py's
    // image created in their place (named and labelled for this host, running its py image).
    const derived = JSON.parse(plan("add-user"));
    const h = host("add-user");
    const py = derived.resource_changes.find((c: any) => c.type === "docker_image" && c.change.after.name.includes("seed-v1")).change.after;
    const perUser = (c: any) => /_user-[a-z]+_home(-start)?_/.test(c.address);
    derived.resource_changes = derived.resource_changes
      .filter((c: any) => !(perUser(c) && c.change.actions.includes("create")))
      .map((c: any) => (perUser(c) ? { ...c, change: { ...c.change, actions: ["delete"], after: null, after_unknown: {} } } : c));
    const recorded = JSON.parse(plan("add-user-homes"));
    const was = host("add-user-homes");
    for (const c of recorded.resource_changes.filter((c: any) => /_homes-py_container/.test(c.address))) {
      const after = JSON.parse(JSON.stringify(c.change.after).replaceAll(was, h));
      if (c.type === "docker_container") after.image = py.image_id;
      derived.resource_changes.push({ ...c, change: { ...c.change, actions: ["create"], before: null, after } });
    }
    const { summary, markdown } = reviewPlan(JSON.stringify(derived));
    expect(summary.resources).toEqual([
      { resource: "home", change: "added", user: "dave" },
      ...["alice", "bob", "carol"].map((u) => ({ resource: "homes", change: "removed", container: `${h}-${u}.home`, users: [u] })),
      { resource: "homes", change: "added", container: `${h}-homes-py`, users: ["alice", "bob", "carol", "dave"] },
    ]);
    expect(markdown).toContain(`- \`${h}-alice.home\` removed (nothing in a home changes)`);
    expect(markdown).toContain(
      `- \`${h}-homes-py\` added: runs once for the homes of alice, bob, carol and dave (a home is made only where it is missing; an existing one is left as it is)`,
    );
    expect(markdown).not.toContain("no longer managed");
    // The same image as before makes the same users' homes: nothing to flag.
    expect(summary.rootImages).toEqual([]);
  });

  it("a removed environment, then a removed user: losses, files kept", () => {
    const env = reviewPlan(plan("remove-environment")).markdown;
    expect(env).toContain("| alice / stats | removed | no longer in the config (files stay in the home) |");
    expect(env).toContain("| carol / stats | removed |");
    expect(env).toContain("- **alice**: loses stats; 1 unchanged");
    expect(env).toMatch(/- image `homedock-test\/seed-other:\w+` removed \(Terraform forgets it; it stays on the host\)/);
    const user = reviewPlan(plan("remove-user")).markdown;
    expect(user).toContain("**0 workspaces replaced, 1 removed, 0 added, 0 updated in place, 2 unchanged.**");
    expect(user).toContain("| bob / py | removed |");
    expect(user).toContain("- home of bob: no longer managed (the home stays)");
  });

  it("a shared mount's new source: every workspace that has it restarts, saying why", () => {
    const { markdown } = reviewPlan(plan("change-mount-source"));
    expect(markdown).toContain("**3 workspaces replaced, 0 removed, 0 added, 0 updated in place, 0 unchanged.**");
    for (const ws of ["alice / py", "alice / stats", "bob / py"])
      expect(markdown).toContain(`| ${ws} | restarted in a new container | shared mount /srv/data: new source |`);
    expect(markdown).toContain("- **alice**: restarts py (shared mount /srv/data: new source), stats (shared mount /srv/data: new source)");
    expect(markdown).not.toContain("labels changed");
  });

  /**
   * change-mount-source.json with /srv/data's source kept, and instead: alice's py gains
   * /srv/course read-write, her stats gets /srv/scratch read-only, bob's py loses it
   * (what a mount given to groups, writable for some, does when groups change).
   */
  it("a shared mount per group: who gains or loses which mount, and who may now write it or only read it", () => {
    const derived = JSON.parse(plan("change-mount-source"));
    for (const c of derived.resource_changes.filter((c: any) => c.type === "docker_container" && c.change.actions.join() === "delete,create")) {
      const user = c.change.after.labels.find((l: any) => l.label === "homedock.user").value;
      const env = c.change.after.labels.find((l: any) => l.label === "homedock.environment").value;
      const data = c.change.before.mounts.find((m: any) => m.target === "/srv/data");
      const mounts = c.change.after.mounts.map((m: any) => (m.target === "/srv/data" ? data : m));
      const scratch = mounts.findIndex((m: any) => m.target === "/srv/scratch");
      if (`${user}/${env}` === "alice/py") mounts.push({ ...data, source: "/srv/lab/course", target: "/srv/course", read_only: false });
      if (`${user}/${env}` === "alice/stats") mounts[scratch] = { ...mounts[scratch], read_only: true };
      if (`${user}/${env}` === "bob/py") mounts.splice(scratch, 1);
      c.change.after.mounts = mounts;
    }
    const { markdown } = reviewPlan(JSON.stringify(derived));
    expect(markdown).toContain("| alice / py | restarted in a new container | gains shared mount /srv/course read-write |");
    expect(markdown).toContain("| alice / stats | restarted in a new container | shared mount /srv/scratch now read-only |");
    expect(markdown).toContain("| bob / py | restarted in a new container | loses shared mount /srv/scratch |");
    expect(markdown).toContain("- **bob**: restarts py (loses shared mount /srv/scratch)");
    expect(markdown).not.toContain("labels changed");
  });

  it("a changed limit: updated in place from what to what, no server stops", () => {
    const { markdown, summary } = reviewPlan(plan("change-limit"));
    expect(markdown).toContain("**0 workspaces replaced, 0 removed, 0 added, 3 updated in place, 2 unchanged.**");
    // The recording raised py's memory from 64m to 96m (memory_swap with it: said once).
    expect(markdown).toContain("- **bob**: updated in place: py (memory 64m → 96m)");
    expect(markdown).not.toContain("memory changed");
    expect(markdown).not.toContain("Servers that stop");
    // JSON: the reasons as before, the values beside them.
    const bob = summary.users.find((u) => u.user === "bob")!.changes[0];
    expect(bob).toEqual({
      user: "bob",
      environment: "py",
      change: "updated",
      reasons: ["memory changed"],
      settings: [{ setting: "memory", from: "64m", to: "96m" }],
    });
  });

  it("a workspace stopped by hand: started again in place, not replaced", () => {
    const { markdown } = reviewPlan(plan("stopped-by-hand"));
    expect(markdown).toContain("- **bob**: updated in place: py (stopped by hand: the deploy starts it again)");
    expect(markdown).not.toContain("Servers that stop");
  });

  it("a root container's new process limit: the same container changed in place, said from what to what; its start is no resource of its own", () => {
    // frontDoor.pidsLimit 512 → 1024: only the proxy's start (a terraform_data) is replaced.
    const { markdown, summary } = reviewPlan(plan("frontdoor-pids-limit"));
    expect(markdown).toContain("**0 workspaces replaced, 0 removed, 0 added, 0 updated in place, 1 unchanged.**");
    expect(markdown).toContain("### Front door\n\n- front door updated in place (pidsLimit 512 → 1024)\n");
    expect(summary.frontDoor).toEqual({
      proxy: { change: "updated", reasons: ["pidsLimit 512 → 1024"], ports: ["127.0.0.1:18443", "127.0.0.1:18080"] },
      reloads: false,
    });
    expect(summary.resources).toEqual([]);
    expect(markdown).not.toContain("terraform_data");
    expect(markdown).not.toContain("Nothing changes");
  });

  it("root containers from before their starts: each given its process limit, nothing said of how it is started", () => {
    // A host deployed by the homedock before root containers were created stopped, then
    // planned with the current one: each root container is updated in place (start,
    // attach, must_run) and gets its start.
    const { markdown, summary } = reviewPlan(plan("frontdoor-root-starts"));
    expect(summary.frontDoor).toEqual({
      proxy: { change: "updated", reasons: ["pidsLimit none → 512"], ports: ["127.0.0.1:18443", "127.0.0.1:18080"] },
      reloads: false,
    });
    expect(summary.resources).toEqual([{ resource: "home", change: "updated", user: "alice" }]);
    expect(summary.totals).toEqual({ replaced: 0, removed: 0, added: 0, updated: 0, unchanged: 1 });
    for (const said of ["stopped by hand", "start changed", "attach changed", "reloads"]) expect(markdown).not.toContain(said);
  });

  it("a terraform_data of the admin's own is none of its business", () => {
    // frontdoor-pids-limit.json with the start's triggers in a shape homedock never writes.
    const derived = JSON.parse(plan("frontdoor-pids-limit"));
    for (const c of derived.resource_changes.filter((c: any) => c.type === "terraform_data")) {
      c.change.before.triggers_replace = { release: "1" };
      c.change.after.triggers_replace = { release: "2" };
    }
    const { markdown, summary } = reviewPlan(JSON.stringify(derived));
    expect(summary.frontDoor).toBeUndefined();
    expect(markdown).toContain("Nothing changes.");
  });

  it("reads the plan's bytes as its text: a Buffer, or any Uint8Array (the API names no Node type)", () => {
    const text = plan("upgrade-image");
    const bytes = new TextEncoder().encode(`  ${text}`).subarray(2);
    expect(summarizePlan(bytes)).toEqual(summarizePlan(text));
    expect(reviewPlan(Buffer.from(text))).toEqual(reviewPlan(text));
  });

  it("accepts the plan's own host, refuses another", () => {
    expect(reviewPlan(plan("add-user"), { host: host("add-user") }).exitCode).toBe(0);
    expect(() => reviewPlan(plan("add-user"), { host: "elsewhere" })).toThrow(`a plan of homedock host "${host("add-user")}"; expected "elsewhere"`);
  });
});

/**
 * frontdoor-add-user.json as it would be had the config's frontDoor.image also moved from
 * homedock-test/caddy:current to homedock-test/caddy:next: the proxy's docker_image and the
 * two containers that run it changed the way upgrade-image.json (recorded) shows an
 * environment's image upgrade (the image replaced for its name, its new id unknown, each
 * container replaced for its image).
 */
function proxyImageUpgrade(): string {
  const derived = JSON.parse(plan("frontdoor-add-user"));
  for (const c of derived.resource_changes) {
    if (c.address.startsWith("docker_image.host_frontdoor_image_")) {
      const { id: _, image_id: __, repo_digest: ___, ...after } = c.change.after;
      c.change = {
        ...c.change,
        actions: ["delete", "create"],
        after: { ...after, name: "homedock-test/caddy:next" },
        after_unknown: { ...c.change.after_unknown, id: true, image_id: true, repo_digest: true },
        replace_paths: [["name"]],
      };
      c.action_reason = "replace_because_cannot_update";
    } else if (c.type === "docker_container" && /^docker_container\.host_frontdoor_(proxy|setup)_/.test(c.address)) {
      const { image: _, ...after } = c.change.after;
      c.change = {
        ...c.change,
        actions: ["delete", "create"],
        after,
        after_unknown: { ...c.change.after_unknown, image: true },
        replace_paths: [...(c.change.replace_paths ?? []), ["image"]],
      };
      c.action_reason = "replace_because_cannot_update";
    }
  }
  return JSON.stringify(derived);
}

/**
 * change-limit.json (recorded: py's memory 64 → 96 MB, updated in place) with other values
 * written into the same update of every py workspace: memory and memory_swap 1024 → 2048
 * and cpus "0.5" → "2", the provider's units (MB, a decimal string).
 */
function limitsChanged(): string {
  const derived = JSON.parse(plan("change-limit"));
  for (const c of derived.resource_changes.filter((c: any) => c.change.actions.join() === "update")) {
    Object.assign(c.change.before, { memory: 1024, memory_swap: 1024, cpus: "0.5" });
    Object.assign(c.change.after, { memory: 2048, memory_swap: 2048, cpus: "2" });
  }
  return JSON.stringify(derived);
}

/** frontdoor-add-user.json (recorded: the proxy unchanged) with the proxy's change replaced by `change` (before, after, actions...). */
function proxyChanged(change: (c: any) => Record<string, unknown>): string {
  const derived = JSON.parse(plan("frontdoor-add-user"));
  const proxy = derived.resource_changes.find((c: any) => c.address.startsWith("docker_container.host_frontdoor_proxy_"));
  proxy.change = { ...proxy.change, ...change(proxy.change) };
  return JSON.stringify(derived);
}

/**
 * change-limit.json (recorded) with each updated workspace replaced instead, for a command
 * that gains idleTimeout's flags (and `extra`, another change of the command).
 */
function idleTimeoutSet(extra: string[] = []): string {
  const derived = JSON.parse(plan("change-limit"));
  for (const c of derived.resource_changes.filter((c: any) => c.change.actions.join() === "update")) {
    const command = [...(c.change.before.command ?? [])];
    c.change.before.command = command;
    c.change.after.command = [
      ...command,
      ...extra,
      "--MappingKernelManager.cull_idle_timeout=600",
      "--NotebookApp.shutdown_no_activity_timeout=600",
      "--TerminalManager.cull_inactive_timeout=600",
    ];
    c.change.actions = ["delete", "create"];
    c.change.replace_paths = [["command"]];
    c.action_reason = "replace_because_cannot_update";
  }
  return JSON.stringify(derived);
}

describe("what changes, from what to what", () => {
  it("a changed idleTimeout: the servers that restart, by its name and values", () => {
    const { markdown, summary } = reviewPlan(idleTimeoutSet());
    const stopping = summary.stopping;
    expect(stopping.length).toBeGreaterThan(0);
    for (const w of stopping) expect(w.reasons).toEqual(["idleTimeout off → 600"]);
    expect(markdown).toContain("idleTimeout off → 600");
    expect(markdown).not.toContain("command changed");
    // Another change of the command beside it is said too.
    expect(reviewPlan(idleTimeoutSet(["--debug"])).summary.stopping[0].reasons).toEqual(["idleTimeout off → 600", "command changed"]);
  });

  it("memory and CPUs in place: as the config writes them (2g, a number of CPUs)", () => {
    const { markdown, summary } = reviewPlan(limitsChanged());
    expect(markdown).toContain("- **bob**: updated in place: py (cpus 0.5 → 2, memory 1g → 2g)");
    expect(markdown).not.toMatch(/CPUs changed|memory changed/);
    expect(summary.users[0].changes[0].settings).toEqual([
      { setting: "cpus", from: "0.5", to: "2" },
      { setting: "memory", from: "1g", to: "2g" },
    ]);
    expect(summary.users[0].changes[0].reasons).toEqual(["CPUs changed", "memory changed"]);
  });

  it("a reason without values keeps its words: stopped by hand", () => {
    const { summary } = reviewPlan(plan("stopped-by-hand"));
    expect(summary.users[0].changes[0].settings).toEqual([]);
  });

  it("a replaced or added workspace has no settings field: only updates in place say from what to what", () => {
    for (const w of [...summarizePlan(plan("upgrade-image")).stopping, ...summarizePlan(plan("add-user")).users.flatMap((u) => u.changes)]) {
      expect(w).not.toHaveProperty("settings");
    }
  });

  it("the front door added: which address and port it publishes, HTTPS first", () => {
    // The recording's proxy publishes 127.0.0.1:27443 (443 inside) and 127.0.0.1:27080 (80 inside).
    const { markdown, summary } = reviewPlan(proxyChanged(() => ({ actions: ["create"], before: null })));
    expect(markdown).toContain("- front door added: the proxy starts, publishing 127.0.0.1:27443 and 127.0.0.1:27080");
    expect(summary.frontDoor!.proxy).toEqual({ change: "added", reasons: [], ports: ["127.0.0.1:27443", "127.0.0.1:27080"] });
  });

  it("the front door removed: which ports are no longer published", () => {
    const { markdown } = reviewPlan(proxyChanged(() => ({ actions: ["delete"], after: null })));
    expect(markdown).toContain("- front door removed: no workspace can be reached from a browser (127.0.0.1:27443 and 127.0.0.1:27080 no longer published)");
  });

  it("the front door moved to other ports: from where to where", () => {
    const moved = (p: any[]) => p.map((port) => ({ ...port, ip: "0.0.0.0", external: port.internal }));
    const { markdown, summary } = reviewPlan(
      proxyChanged((c) => ({ actions: ["delete", "create"], after: { ...c.after, ports: moved(c.after.ports) }, replace_paths: [["ports"]] })),
    );
    expect(markdown).toContain(
      "- front door restarts: the proxy is replaced (ports 127.0.0.1:27443 and 127.0.0.1:27080 → 0.0.0.0:443 and 0.0.0.0:80); open pages reconnect, kernels keep running",
    );
    expect(summary.frontDoor!.proxy).toEqual({
      change: "replaced",
      reasons: ["ports changed"],
      ports: ["0.0.0.0:443", "0.0.0.0:80"],
      previousPorts: ["127.0.0.1:27443", "127.0.0.1:27080"],
    });
  });
});

describe("images that run as root", () => {
  it("an environment's image upgrade changes what creates its users' homes (recorded: the home containers themselves plan no change)", () => {
    const { summary, markdown } = reviewPlan(plan("upgrade-image"));
    const h = host("upgrade-image");
    expect(summary.rootImages).toEqual(
      ["alice", "bob", "carol"].map((user) => ({
        container: `${h}-${user}.home`,
        role: "home",
        user,
        from: expect.stringMatching(/^homedock-test\/seed-v1:/),
        to: expect.stringMatching(/^homedock-test\/seed-v2:/),
      })),
    );
    const section = markdown.indexOf("### ⚠ Images that run as root");
    expect(section).toBeGreaterThan(markdown.indexOf("### ⚠ Servers that stop"));
    expect(section).toBeLessThan(markdown.indexOf("### By user"));
    expect(markdown).toMatch(
      new RegExp(`- \`${h}-alice\\.home\` \\(creates alice's home when it is missing\\): \`homedock-test/seed-v1:\\w+\` → \`homedock-test/seed-v2:\\w+\``),
    );
    expect(markdown).toContain("pin it by digest, `image@sha256:...`");
  });

  it("the front door's image: the proxy and its setup, from which image to which", () => {
    const { summary, markdown } = reviewPlan(proxyImageUpgrade());
    const h = host("frontdoor-add-user");
    expect(summary.rootImages).toEqual([
      { container: `${h}-frontdoor`, role: "frontdoor", from: "homedock-test/caddy:current", to: "homedock-test/caddy:next" },
      { container: `${h}-frontdoor.setup`, role: "frontdoor-setup", from: "homedock-test/caddy:current", to: "homedock-test/caddy:next" },
    ]);
    expect(markdown).toContain(`- \`${h}-frontdoor\` (the front door's proxy): \`homedock-test/caddy:current\` → \`homedock-test/caddy:next\``);
    expect(markdown).toContain(`- \`${h}-frontdoor.setup\` (the front door's setup): \`homedock-test/caddy:current\` → \`homedock-test/caddy:next\``);
  });

  it("host.initImage moved to another image: each home container that ran the old one", () => {
    // add-user.json as it would be with host.initImage set: each home container ran its own
    // home-image (one docker_image per user, as constructs/user.ts makes it), which the plan
    // replaces for its name, the way upgrade-image.json (recorded) replaces an environment's.
    const derived = JSON.parse(plan("add-user"));
    const [was, now] = ["registry.example.org/init:2026.1", "registry.example.org/init@sha256:" + "b".repeat(64)];
    const oldId = `sha256:${"a".repeat(64)}`;
    for (const c of derived.resource_changes.filter((c: any) => /^docker_container\.host_user-(alice|bob|carol)_home_/.test(c.address))) {
      c.change.before.image = c.change.after.image = oldId;
      const user = c.address.split("_")[1];
      derived.resource_changes.push({
        address: `docker_image.host_${user}_home-image_0`,
        mode: "managed",
        type: "docker_image",
        name: `host_${user}_home-image_0`,
        action_reason: "replace_because_cannot_update",
        change: {
          actions: ["delete", "create"],
          before: { id: `${oldId}${was}`, image_id: oldId, keep_locally: true, name: was, repo_digest: "" },
          after: { keep_locally: true, name: now },
          after_unknown: { id: true, image_id: true, repo_digest: true },
          replace_paths: [["name"]],
        },
      });
    }
    const { summary, markdown } = reviewPlan(JSON.stringify(derived));
    expect(summary.rootImages).toEqual(
      ["alice", "bob", "carol"].map((user) => ({ container: `${host("add-user")}-${user}.home`, role: "home", user, from: was, to: now })),
    );
    expect(markdown).toContain(`- \`${host("add-user")}-bob.home\` (creates bob's home when it is missing): \`${was}\` → \`${now}\``);
  });

  it("host.initImage set where there was none, or removed: each user's home container that will run it", () => {
    // add-user.json as it would be with host.initImage newly set: the home containers keep
    // the image they ran (ignored), and each user gets a docker_image of its own
    // (constructs/user.ts: "home-image" under "user-<name>"), created, or deleted when removed.
    const derived = JSON.parse(plan("add-user"));
    const images = derived.resource_changes.filter((c: any) => c.type === "docker_image").map((c: any) => c.change.after);
    const py = images.find((i: any) => i.name.includes("seed-v1"));
    const init = "registry.example.org/init:2026.1";
    const homeImage = (user: string, actions: string[], name: string) => ({
      address: `docker_image.host_user-${user}_home-image_1A2B3C4D`,
      mode: "managed",
      type: "docker_image",
      name: `host_user-${user}_home-image_1A2B3C4D`,
      change:
        actions[0] === "create"
          ? { actions, before: null, after: { keep_locally: true, name }, after_unknown: { id: true, image_id: true, repo_digest: true } }
          : { actions, before: { id: `x${name}`, image_id: py.image_id, keep_locally: true, name, repo_digest: "" }, after: null, after_unknown: {} },
    });
    const set = structuredClone(derived);
    set.resource_changes.push(homeImage("alice", ["create"], init), homeImage("bob", ["create"], init));
    const { summary, markdown } = reviewPlan(JSON.stringify(set));
    expect(summary.rootImages).toEqual(
      ["alice", "bob"].map((user) => ({ container: `${host("add-user")}-${user}.home`, role: "home", user, from: py.name, to: init })),
    );
    expect(markdown).toContain(`- \`${host("add-user")}-alice.home\` (creates alice's home when it is missing): \`${py.name}\` → \`${init}\``);
    const removed = structuredClone(derived);
    removed.resource_changes.push(homeImage("carol", ["delete"], init));
    expect(summarizePlan(JSON.stringify(removed)).rootImages).toEqual([
      { container: `${host("add-user")}-carol.home`, role: "home", user: "carol", from: init, to: "the first environment's image" },
    ]);
  });

  it("host.initImage set on a host of one-shots per home image: the one of initImage takes the place of py's, and is named with both images", () => {
    // add-user-homes.json as it would be with host.initImage newly set: the one-shot of py's
    // image deleted, the one of initImage ("homes", with a docker_image of its own beside
    // it: constructs/homes.ts) created, its image known only after apply.
    const derived = JSON.parse(plan("add-user-homes"));
    const h = host("add-user-homes");
    const py = derived.resource_changes.find((c: any) => c.type === "docker_image" && c.change.after.name.includes("seed-v1")).change.after;
    const init = "registry.example.org/init@sha256:" + "a".repeat(64);
    const group = derived.resource_changes.filter((c: any) => /_homes-py_container/.test(c.address));
    derived.resource_changes = derived.resource_changes.filter((c: any) => !group.includes(c));
    for (const c of group) {
      const rename = (s: string) => s.replaceAll("homes-py", "homes");
      derived.resource_changes.push({ ...c, change: { ...c.change, actions: ["delete"], after: null, after_unknown: {} } });
      const after = JSON.parse(rename(JSON.stringify(c.change.after)));
      if (c.type === "docker_container") delete after.image;
      derived.resource_changes.push({
        ...c,
        address: rename(c.address),
        name: rename(c.name),
        change: { ...c.change, actions: ["create"], before: null, after, after_unknown: { ...c.change.after_unknown, image: true } },
      });
    }
    derived.resource_changes.push({
      address: "docker_image.host_homes_image_1A2B3C4D",
      mode: "managed",
      type: "docker_image",
      name: "host_homes_image_1A2B3C4D",
      change: { actions: ["create"], before: null, after: { keep_locally: true, name: init }, after_unknown: { id: true, image_id: true, repo_digest: true } },
    });
    const { summary, markdown } = reviewPlan(JSON.stringify(derived));
    expect(summary.rootImages).toEqual([{ container: `${h}-homes`, role: "home", users: ["alice", "bob", "carol", "dave"], from: py.name, to: init }]);
    expect(markdown).toContain(`- \`${h}-homes\` (creates the homes of alice, bob, carol and dave when they are missing): \`${py.name}\` → \`${init}\``);
    expect(markdown).not.toContain("no longer managed");
  });

  it("a root container replaced with another known image: named by the images' names", () => {
    // add-user.json with alice's home re-created from the stats environment's image instead of py's.
    const derived = JSON.parse(plan("add-user"));
    const images = derived.resource_changes.filter((c: any) => c.type === "docker_image").map((c: any) => c.change.after);
    const [py, stats] = ["seed-v1", "seed-other"].map((name) => images.find((i: any) => i.name.includes(name)));
    const home = derived.resource_changes.find((c: any) => c.address.startsWith("docker_container.host_user-alice_home_"));
    expect(home.change.before.image).toBe(py.image_id);
    home.change = { ...home.change, actions: ["delete", "create"], after: { ...home.change.after, image: stats.image_id }, replace_paths: [["image"]] };
    expect(summarizePlan(JSON.stringify(derived)).rootImages).toEqual([
      { container: `${host("add-user")}-alice.home`, role: "home", user: "alice", from: py.name, to: stats.name },
    ]);
  });

  it("no warning where no root container's image changes: a new user's home, a limit, a new password", () => {
    for (const name of ["add-user", "add-user-homes", "change-limit", "remove-user", "frontdoor-add-user", "stopped-by-hand"]) {
      const { summary, markdown } = reviewPlan(plan(name));
      expect([name, summary.rootImages]).toEqual([name, []]);
      expect(markdown).not.toContain("run as root");
    }
  });
});

describe("the typed summary", () => {
  it("an image upgrade: totals, the servers that stop with why, each user's changes, the image", () => {
    const summary = summarizePlan(plan("upgrade-image"));
    expect(summary.host).toBe(host("upgrade-image"));
    expect(summary.totals).toEqual({ replaced: 3, removed: 0, added: 0, updated: 0, unchanged: 2 });
    expect(summary.stopping).toEqual(["alice", "bob", "carol"].map((user) => ({ user, environment: "py", change: "replaced", reasons: ["image upgraded"] })));
    expect(summary.users.map((u) => [u.user, u.changes.map((w) => w.environment), u.unchanged])).toEqual([
      ["alice", ["py"], 1],
      ["bob", ["py"], 0],
      ["carol", ["py"], 1],
    ]);
    expect(summary.resources).toEqual([
      {
        resource: "image",
        change: "replaced",
        name: expect.stringMatching(/^homedock-test\/seed-v2:/),
        previous: expect.stringMatching(/^homedock-test\/seed-v1:/),
      },
    ]);
  });

  it("a removed user: the removal stops a server, the home is let go, users without changes are left out", () => {
    const summary = summarizePlan(plan("remove-user"));
    expect(summary.stopping).toEqual([{ user: "bob", environment: "py", change: "removed", reasons: [] }]);
    expect(summary.users.map((u) => u.user)).toEqual(["bob"]);
    expect(summary.resources).toEqual([{ resource: "home", change: "removed", user: "bob" }]);
  });

  it("is what the Markdown and the verdict are made from", () => {
    const summary = summarizePlan(plan("remove-environment"));
    const verdict = planVerdict(summary, { failOnDestroy: true });
    expect(verdict).toEqual({ exitCode: REVIEW_EXIT.destroy, blocked: ["--fail-on-destroy: 2 workspaces would be removed"] });
    expect(reviewPlan(plan("remove-environment"), { failOnDestroy: true })).toEqual({
      summary,
      ...verdict,
      markdown: reviewMarkdown(summary, verdict.blocked),
    });
  });
});

describe("policies", () => {
  it.each([
    ["upgrade-image", { failOnReplace: true }, REVIEW_EXIT.replace, "**Blocked:** --fail-on-replace: 3 workspaces would be replaced."],
    ["upgrade-image", { failOnDestroy: true }, REVIEW_EXIT.ok, undefined],
    ["remove-environment", { failOnDestroy: true }, REVIEW_EXIT.destroy, "**Blocked:** --fail-on-destroy: 2 workspaces would be removed."],
    ["remove-environment", { failOnReplace: true }, REVIEW_EXIT.ok, undefined],
    ["change-limit", { failOnReplace: true, failOnDestroy: true }, REVIEW_EXIT.ok, undefined],
    ["stopped-by-hand", { failOnReplace: true, failOnDestroy: true }, REVIEW_EXIT.ok, undefined],
  ] as const)("%s with %j exits %i", (name, options, exitCode, blocked) => {
    const review = reviewPlan(plan(name), options);
    expect(review.exitCode).toBe(exitCode);
    if (blocked) expect(review.markdown).toContain(blocked);
    else expect(review.markdown).not.toContain("Blocked");
  });

  it("both hit at once have their own exit code", () => {
    const both = JSON.parse(plan("upgrade-image"));
    const removal = JSON.parse(plan("remove-environment")).resource_changes.filter(
      (c: any) => c.type === "docker_container" && c.change.actions.join() === "delete",
    );
    both.resource_changes.push(
      ...removal.map((c: any) => ({
        ...c,
        change: {
          ...c.change,
          before: {
            ...c.change.before,
            labels: c.change.before.labels.map((l: any) => (l.label === "homedock.host" ? { ...l, value: host("upgrade-image") } : l)),
          },
        },
      })),
    );
    expect(reviewPlan(JSON.stringify(both), { failOnReplace: true, failOnDestroy: true }).exitCode).toBe(REVIEW_EXIT.both);
  });
});

describe("input that is not a homedock plan", () => {
  it.each([
    ["not JSON", "{ plan", /^not JSON \(.*\); expected the output of terraform show -json <saved plan>$/],
    ["a JSON list", "[]", /^not a Terraform plan/],
    ["a newer format", JSON.stringify({ format_version: "2.0", resource_changes: [] }), /^plan format version "2.0"; expected 1.x/],
    ["no format version", JSON.stringify({ resource_changes: [] }), /^plan format version undefined; expected 1.x/],
    ["resource_changes not a list", JSON.stringify({ format_version: "1.2", resource_changes: {} }), /^resource_changes is not a list/],
    [
      "another stack",
      JSON.stringify({
        format_version: "1.2",
        resource_changes: [
          { address: "aws_s3_bucket.b", type: "aws_s3_bucket", mode: "managed", change: { actions: ["create"], before: null, after: { bucket: "b" } } },
        ],
      }),
      /^no container labelled homedock.host in this plan: it is not of a homedock stack$/,
    ],
    ["an empty plan", JSON.stringify({ format_version: "1.2" }), /not of a homedock stack/],
  ])("%s is one clear error", (_, text, message) => {
    expect(() => reviewPlan(text)).toThrow(PlanError);
    expect(() => reviewPlan(text)).toThrow(message);
  });
});

describe("a plan whose resource changes are not of Terraform's shape", () => {
  // alice's py workspace in a real plan, changed by `spoil`; the error names where, what was there, what was expected.
  const spoilt = (spoil: (c: any) => void, index = 1) => {
    const p = JSON.parse(plan("upgrade-image"));
    spoil(p.resource_changes[index]);
    return JSON.stringify(p);
  };
  const at = "resource_changes[1]";
  const ws = "(docker_container.host_user-alice_py_container_4222C2B5)";

  it.each([
    ["an entry without change", (c: any) => delete c.change, `${at}.change ${ws}: got nothing; expected an object {actions, before, after, ...}`],
    ["no actions", (c: any) => delete c.change.actions, `${at}.change.actions ${ws}: got nothing; expected a list of actions like ["create"]`],
    ["no address", (c: any) => delete c.address, `${at}.address: got nothing; expected a string (the resource's address)`],
    [
      "labels that are a map",
      (c: any) => (c.change.after.labels = { "homedock.role": "workspace" }),
      `${at}.change.after.labels ${ws}: got {"homedock.role":"workspace"}; expected a list of labels ({label, value})`,
    ],
    [
      "a label without its value",
      (c: any) => delete c.change.before.labels[0].value,
      `${at}.change.before.labels[0].value ${ws}: got nothing; expected a string`,
    ],
    [
      "a command that is one string",
      (c: any) => (c.change.after.command = "httpd -f -p 8888"),
      `${at}.change.after.command ${ws}: got "httpd -f -p 8888"; expected a list of strings`,
    ],
    ["a command with a number", (c: any) => (c.change.after.command[3] = 8888), `${at}.change.after.command[3] ${ws}: got 8888; expected a string`],
    ["memory as the config writes it", (c: any) => (c.change.after.memory = "1g"), `${at}.change.after.memory ${ws}: got "1g"; expected a number of MiB`],
    [
      "a port without its inside port",
      (c: any) => (c.change.after.ports = [{ external: 443 }]),
      `${at}.change.after.ports[0].internal ${ws}: got nothing; expected a number`,
    ],
    [
      "a mount that is a path",
      (c: any) => (c.change.after.mounts = ["/home/alice"]),
      `${at}.change.after.mounts[0] ${ws}: got "/home/alice"; expected a mount ({target, source, read_only})`,
    ],
    ["values that are a list", (c: any) => (c.change.before = []), `${at}.change.before ${ws}: got []; expected an object of attribute values, or null`],
    ["an empty replace path", (c: any) => (c.change.replace_paths = [[]]), `${at}.change.replace_paths[0] ${ws}: got []; expected a path of at least one key`],
  ])("%s: PlanError naming the path", (_, spoil, message) => {
    const text = spoilt(spoil);
    expect(() => reviewPlan(text)).toThrow(PlanError);
    expect(() => reviewPlan(text)).toThrow(new PlanError(message));
  });

  it("an entry that is not an object, in a plan parsed whole", () => {
    // (a second resource_changes key makes the reader parse the whole text)
    const text = JSON.stringify({ format_version: "1.2", resource_changes: [null], prior_state: { resource_changes: [] } });
    expect(() => reviewPlan(text)).toThrow(new PlanError("resource_changes[0]: got null; expected an object {address, type, mode, change, ...}"));
  });

  it("each problem on its own line, the first 50, then how many more", () => {
    const p = JSON.parse(plan("upgrade-image"));
    const bad = p.resource_changes[1];
    p.resource_changes = Array.from({ length: 60 }, () => ({ ...bad, change: { ...bad.change, after: { ...bad.change.after, labels: "x", command: "y" } } }));
    const lines = (() => {
      try {
        reviewPlan(JSON.stringify(p));
      } catch (err) {
        return (err as PlanError).message.split("\n");
      }
      throw new Error("no PlanError");
    })();
    expect(lines).toHaveLength(51);
    expect(lines[0]).toBe(`resource_changes[0].change.after.labels ${ws}: got "x"; expected a list of labels ({label, value})`);
    expect(lines[1]).toBe(`resource_changes[0].change.after.command ${ws}: got "y"; expected a list of strings`);
    expect(lines[50]).toBe("... and 70 more problems");
  });

  it("the values of resources it does not report are not read: another provider's labels may be a map", () => {
    const p = JSON.parse(plan("upgrade-image"));
    const bucket = {
      address: "google_storage_bucket.b",
      type: "google_storage_bucket",
      mode: "managed",
      change: { actions: ["update"], before: { labels: { a: "1" } }, after: { labels: { a: "2" } } },
    };
    const data = { address: "data.docker_image.x", type: "docker_image", mode: "data", change: { actions: ["read"], before: null, after: { name: 7 } } };
    p.resource_changes.push(bucket, data);
    expect(reviewPlan(JSON.stringify(p)).markdown).toBe(reviewPlan(plan("upgrade-image")).markdown);
  });

  it("what Terraform writes for unset or unknown values is read: null attributes, an unknown command argument", () => {
    const text = spoilt((c) => {
      Object.assign(c.change.after, { labels: c.change.after.labels, memory: null, cpus: null, ulimit: null, mounts: null, working_dir: null });
      c.change.after.command[3] = null;
    });
    expect(reviewPlan(text).markdown).toContain("| alice / py | restarted in a new container | image upgraded |");
  });
});
