// The review of a Swarm's plan: workspaces as docker_services, a change of the task spec a
// restart, a changed placement the user's move from node to node.
import { describe, expect, it } from "vitest";
import { reviewPlan } from "../../../src/review/review";
import { buildModel } from "../../../src/model/model";
import { type Json, swarmCourseConfig, swarmDoorConfig, synthHost } from "../../helpers/synth";
import type { ConfigInput } from "../../../src/config/schema";

const model = buildModel(swarmCourseConfig());
const tf = synthHost(swarmCourseConfig());

/** A docker_service's values as `terraform show -json` writes them: every block a list of one object. */
function planned(resource: Json, token = "t"): Json {
  const listed = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(listed)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, blockOf(k, listed(x))]))
        : v;
  const blockOf = (k: string, v: unknown) =>
    ["task_spec", "container_spec", "placement", "resources", "limits", "restart_policy", "mode", "replicated", "endpoint_spec"].includes(k) ? [v] : v;
  const values = listed(resource) as Json;
  delete values.provider;
  const spec = values.task_spec[0].container_spec[0];
  // A front door's service: no token, no seeder.
  if (!spec.env.JUPYTER_TOKEN) return values;
  spec.env = { ...spec.env, JUPYTER_TOKEN: token };
  spec.command = [spec.command[0], spec.command[1], "the seeder", spec.command[3]];
  return values;
}

const services = Object.entries<Json>(tf.resource.docker_service);
const address = (id: string) => `docker_service.${id}`;

function plan(changes: Json[]): string {
  return JSON.stringify({ format_version: "1.2", resource_changes: changes });
}

function update(id: string, before: Json, after: Json): Json {
  return { address: address(id), mode: "managed", type: "docker_service", name: id, change: { actions: ["update"], before, after } };
}

const noop = ([id, r]: [string, Json]) => ({ ...update(id, planned(r), planned(r)), change: { actions: ["no-op"], before: planned(r), after: planned(r) } });

describe("the review of a Swarm's plan", () => {
  it("reads workspaces as services: a plan that changes nothing says so", () => {
    const review = reviewPlan(plan(services.map(noop)), { host: "course" });
    expect(review.summary.totals.unchanged).toBe(model.workspaces.length);
    expect(review.markdown).toContain("Nothing changes.");
  });

  it("names a user's move from node to node, and the server that stops on the way", () => {
    const [id, alice] = services.find(([, r]) => r.name === "course_alice--python-course")!;
    const from = model.users.find((u) => u.name === "alice")!.node!;
    const to = from === "node-3" ? "node-2" : "node-3";
    const after = planned(alice);
    after.task_spec[0].placement[0].constraints = [`node.labels.homedock.node == ${to}`];
    const review = reviewPlan(plan([update(id, planned(alice), after), ...services.filter(([i]) => i !== id).map(noop)]), {
      host: "course",
      failOnReplace: true,
    });
    expect(review.summary.stopping).toEqual([
      { user: "alice", environment: "python-course", change: "replaced", reasons: [`moves from ${from} to ${to}`], move: { from, to } },
    ]);
    expect(review.markdown).toContain(
      `- alice's python-course moves from ${from} to ${to}: it stops on ${from}, then starts on ${to}; its files stay on the shared storage`,
    );
    // The server stops: a reviewer who blocks replacements blocks a move.
    expect(review.exitCode).toBe(3);
  });

  it("says a change of the task spec as the restart it is, in a container's words", () => {
    const [id, bob] = services.find(([, r]) => r.name === "course_bob--python-course")!;
    const after = planned(bob);
    after.task_spec[0].resources[0].limits[0].memory_bytes *= 2;
    after.task_spec[0].container_spec[0].args = ["jupyter", "lab"];
    const review = reviewPlan(plan([update(id, planned(bob), after)]), { host: "course" });
    expect(review.summary.stopping).toEqual([
      { user: "bob", environment: "python-course", change: "replaced", reasons: ["command changed", "limits changed"] },
    ]);
  });

  it("keeps a change of the service's own labels an update in place: the task goes on", () => {
    const [id, carol] = services.find(([, r]) => r.name === "course_carol--python-course")!;
    const after = planned(carol);
    after.labels = [...after.labels, { label: "extra", value: "x" }];
    const review = reviewPlan(plan([update(id, planned(carol), after)]), { host: "course" });
    expect(review.summary.stopping).toEqual([]);
    expect(review.summary.users).toEqual([
      { user: "carol", changes: [{ user: "carol", environment: "python-course", change: "updated", reasons: ["labels changed"], settings: [] }], unchanged: 0 },
    ]);
  });
});

describe("the review of a Swarm's plan with the front door", () => {
  const doorTf = synthHost(swarmDoorConfig());
  const all = Object.entries<Json>(doorTf.resource.docker_service);
  const [entryId, entry] = all.find(([, r]) => r.name === "course_frontdoor")!;
  const added = ([id, r]: [string, Json]) => ({
    address: address(id),
    mode: "managed",
    type: "docker_service",
    name: id,
    change: { actions: ["create"], before: null, after: planned(r) },
  });

  it("says the entry proxy's ports when the front door is added", () => {
    const review = reviewPlan(plan(all.map(added)), { host: "course" });
    expect(review.markdown).toContain("- front door added: the proxy starts, publishing 0.0.0.0:8443 and 0.0.0.0:8080");
    expect(review.summary.totals.added).toBe(model.workspaces.length);
  });

  /** A plan from the door config to `next`: each service that differs updated, the others unchanged. */
  function planTo(next: ConfigInput): string {
    const to = new Map(Object.values<Json>(synthHost(next).resource.docker_service).map((r) => [r.name, r]));
    return plan(
      all.map(([id, r]) => {
        const [was, is] = [planned(r), planned(to.get(r.name)!)];
        return JSON.stringify(was) === JSON.stringify(is) ? noop([id, r]) : update(id, was, is);
      }),
    );
  }
  const door = swarmDoorConfig();

  it("says a new login as the login's change, the services that restart with it, and nothing else", () => {
    const review = reviewPlan(planTo({ ...door, frontDoor: { ...door.frontDoor!, login: { method: "password", session: "1h" } } }), { host: "course" });
    expect(review.markdown).toContain("- login changes: passwords, sessions of 8h, wrong passwords limited to");
    expect(review.markdown).toMatch(/→ passwords, sessions of 1h, wrong passwords limited to/);
    expect(review.markdown).toContain("- front door: the sign-in restarts (command changed)");
    expect(review.markdown).toContain("- front door: the session check restarts (command changed)");
    expect(review.markdown).not.toContain("Nothing changes.");
  });

  it("warns of a root image changed on the login and on every node's proxy", () => {
    const review = reviewPlan(
      planTo({ ...door, frontDoor: { ...door.frontDoor!, image: "caddy:3", login: { method: "password", image: "evil/oauth2-proxy:1" } } }),
      {
        host: "course",
      },
    );
    expect(review.summary.rootImages.map((r) => [r.container, r.role, r.from, r.to])).toEqual([
      ["course_door--node-1", "node-proxy", "caddy:2", "caddy:3"],
      ["course_door--node-2", "node-proxy", "caddy:2", "caddy:3"],
      ["course_door--node-3", "node-proxy", "caddy:2", "caddy:3"],
      ["course_frontdoor", "frontdoor", "caddy:2", "caddy:3"],
      ["course_frontdoor-login", "login", review.summary.rootImages[4].from, "evil/oauth2-proxy:1"],
      ["course_frontdoor-signin", "sign-in", review.summary.rootImages[5].from, "evil/oauth2-proxy:1"],
    ]);
    expect(review.markdown).toContain("- `course_door--node-2` (a node's proxy, which reaches every socket of its node): `caddy:2` → `caddy:3`");
    expect(review.markdown).toContain("- front door: node-2's proxy restarts (image upgraded); open pages reconnect, kernels keep running");
  });

  it("says a new password file (a new secret of the sign-in's alone) as the sign-in's restart", () => {
    const [id, signIn] = all.find(([, r]) => r.name === "course_frontdoor-signin")!;
    const after = planned(signIn);
    after.task_spec[0].container_spec[0].secrets = after.task_spec[0].container_spec[0].secrets.map((x: Json) => ({ ...x, secret_id: `${x.secret_id}-new` }));
    const review = reviewPlan(plan([update(id, planned(signIn), after), ...all.filter(([i]) => i !== id).map(noop)]), { host: "course" });
    expect(review.markdown).toContain("- front door: the sign-in restarts (secrets changed); open pages reconnect, kernels keep running");
    expect(review.markdown).not.toContain("Nothing changes.");
  });

  it("says no restart for a door service changed in place (its own labels: the task goes on)", () => {
    const [id, signIn] = all.find(([, r]) => r.name === "course_frontdoor-signin")!;
    const after = planned(signIn);
    after.labels = [...after.labels, { label: "extra", value: "x" }];
    const review = reviewPlan(plan([update(id, planned(signIn), after), ...all.filter(([i]) => i !== id).map(noop)]), { host: "course" });
    expect(review.markdown).not.toContain("restarts");
  });

  it("says a new Caddyfile (a new secret) as the entry proxy's restart, and no workspace's", () => {
    const after = planned(entry);
    after.task_spec[0].container_spec[0].secrets = after.task_spec[0].container_spec[0].secrets.map((s: Json, i: number) =>
      i === 0 ? { ...s, secret_id: "new" } : s,
    );
    const review = reviewPlan(plan([update(entryId, planned(entry), after), ...all.filter(([i]) => i !== entryId).map(noop)]), { host: "course" });
    expect(review.summary.stopping).toEqual([]);
    expect(review.markdown).toContain("- front door restarts: the proxy is replaced (secrets changed); open pages reconnect, kernels keep running");
  });
});
