import { describe, expect, it } from "vitest";
import { changedResources, stackGraph, unchangedEntries } from "../../../src/cli/targets";

type Stack = Parameters<typeof stackGraph>[0];

/** A stack as homedock writes one: an image, a network, a home one-shot and its start, two workspaces. */
function stack(): Stack {
  const workspace = (user: string) => ({
    image: "${docker_image.img.image_id}",
    name: `h-${user}.py`,
    entrypoint: ["/bin/sh", "-c", "${local.seeder}"],
    env: [`JUPYTER_TOKEN=\${var.tokens["h-${user}.py"]}`, "LITERAL=$${HOME} %%{ not a directive }"],
    networks_advanced: [{ name: "${docker_network.net.name}" }],
    depends_on: ["terraform_data.start"],
    lifecycle: { replace_triggered_by: ["docker_network.net"] },
  });
  return {
    "//": { metadata: { version: "1" } },
    terraform: { backend: { local: { path: "state" } } },
    provider: { docker: [{}] },
    variable: { tokens: { type: "map(string)", sensitive: true } },
    locals: { seeder: 'exec "$@"' },
    resource: {
      docker_image: { img: { name: "py:1" } },
      docker_network: { net: { name: "h" } },
      docker_container: { homes: { image: "${docker_image.img.image_id}", command: ["alice", "bob"] }, alice: workspace("alice"), bob: workspace("bob") },
      terraform_data: { start: { triggers_replace: { id: "${docker_container.homes.id}" }, provisioner: [{ "local-exec": { command: "start ${self.id}" } }] } },
    },
  };
}
const tokens = { tokens: { "h-alice.py": "a", "h-bob.py": "b" } };

/** What a plan of `change(stack)` must look at, `stack()` having planned no change. */
function targets(
  change: (s: Stack & { resource: Record<string, Record<string, Record<string, unknown>>>; locals: Record<string, unknown> }) => void,
  values: Record<string, unknown> = tokens,
) {
  const settled = stackGraph(stack(), tokens)!;
  const next = stack() as Parameters<typeof change>[0];
  change(next);
  const now = stackGraph(next, values as never);
  return now && changedResources(settled.digest, now);
}

describe("what a plan of a settled stack must look at", () => {
  it("nothing, for the same stack", () => {
    expect(targets(() => {})).toEqual([]);
  });

  it("a changed block, and what reads from it (a start reads its container's id), but not what only waits for it (depends_on)", () => {
    expect(targets((s) => (s.resource.docker_container.homes.command = ["alice", "bob", "carol"]))).toEqual(["docker_container.homes", "terraform_data.start"]);
  });

  it("a new workspace and its own token: no other workspace, though each reads the same map", () => {
    const values = { tokens: { ...tokens.tokens, "h-carol.py": "c" } };
    expect(
      targets((s) => {
        s.resource.docker_container.carol = { ...s.resource.docker_container.bob, name: "h-carol.py" };
      }, values),
    ).toEqual(["docker_container.carol"]);
    expect(targets(() => {}, { tokens: { ...tokens.tokens, "h-bob.py": "new" } })).toEqual(["docker_container.bob"]);
  });

  it("a resource gone is planned (its destroy)", () => {
    expect(targets((s) => delete s.resource.docker_container.bob)).toEqual(["docker_container.bob"]);
  });

  it("a changed local: every resource that reads it; a changed image: all that read its id, and their starts", () => {
    expect(targets((s) => (s.locals.seeder = "exec sh"))).toEqual(["docker_container.alice", "docker_container.bob"]);
    expect(targets((s) => (s.resource.docker_image.img.name = "py:2"))).toEqual([
      "docker_container.alice",
      "docker_container.bob",
      "docker_container.homes",
      "docker_image.img",
      "terraform_data.start",
    ]);
  });

  it("replace_triggered_by is read as a reference: a changed network replaces every workspace on it", () => {
    const s = stack() as { resource: Record<string, Record<string, Record<string, unknown>>> };
    // Without the name reference too, the trigger alone must pull them in.
    for (const user of ["alice", "bob"]) delete s.resource.docker_container[user].networks_advanced;
    const settled = stackGraph(s as Stack, tokens)!;
    s.resource.docker_network.net.internal = true;
    expect(changedResources(settled.digest, stackGraph(s as Stack, tokens)!)).toEqual(["docker_container.alice", "docker_container.bob", "docker_network.net"]);
  });

  it.each([
    [
      "a function call",
      (s: Stack & { resource: Record<string, Record<string, Record<string, unknown>>> }) => (s.resource.docker_network.net.name = '${lower("H")}'),
    ],
    [
      "a template directive",
      (s: Stack & { resource: Record<string, Record<string, Record<string, unknown>>> }) => (s.resource.docker_network.net.name = "%{ if true }h%{ endif }"),
    ],
    ["count", (s: Stack & { resource: Record<string, Record<string, Record<string, unknown>>> }) => (s.resource.docker_network.net.count = 1)],
    [
      "for_each",
      (s: Stack & { resource: Record<string, Record<string, Record<string, unknown>>> }) => (s.resource.docker_network.net.for_each = "${var.tokens}"),
    ],
    ["a data source", (s: Stack) => ((s as Record<string, unknown>).data = { docker_network: { x: { name: "bridge" } } })],
    ["an output", (s: Stack) => ((s as Record<string, unknown>).output = { x: { value: "1" } })],
    ["a moved block", (s: Stack) => ((s as Record<string, unknown>).moved = [{ from: "a.b", to: "a.c" }])],
    [
      "a path or terraform.workspace",
      (s: Stack & { resource: Record<string, Record<string, Record<string, unknown>>> }) => (s.resource.docker_network.net.name = "${terraform.workspace}"),
    ],
    [
      "an unclosed interpolation",
      (s: Stack & { resource: Record<string, Record<string, Record<string, unknown>>> }) => (s.resource.docker_network.net.name = "${docker_image.img.id"),
    ],
  ])("everything (no digest) for a stack with %s", (_what, change) => {
    expect(
      stackGraph(
        (() => {
          const s = stack();
          change(s as never);
          return s;
        })(),
        tokens,
      ),
    ).toBeUndefined();
  });

  it("everything when the frame differs: the provider, the backend, a variable's declaration", () => {
    expect(targets((s) => ((s as Record<string, unknown>).provider = { docker: [{ host: "ssh://elsewhere" }] }))).toBeUndefined();
    expect(targets((s) => ((s as Record<string, unknown>).variable = { tokens: { type: "map(string)" } }))).toBeUndefined();
  });
});

describe("the state's resources as a full plan writes those it leaves alone", () => {
  it("no-op, before and after the state's values; a terraform_data's dynamic values as a plan writes them; the planned ones left out", () => {
    const state = {
      resources: [
        { mode: "managed", type: "docker_container", name: "a", instances: [{ attributes: { name: "h-a", labels: [{ label: "l", value: "v" }] } }] },
        {
          mode: "managed",
          type: "terraform_data",
          name: "s",
          instances: [{ attributes: { id: "1", triggers_replace: { value: { id: "x" }, type: ["object", { id: "string" }] } } }],
        },
        { mode: "managed", type: "docker_network", name: "n", instances: [{ attributes: { name: "h" } }] },
        { mode: "data", type: "docker_network", name: "d", instances: [{ attributes: { name: "bridge" } }] },
      ],
    };
    expect(unchangedEntries(state, new Set(["docker_network.n"]))).toEqual([
      {
        address: "docker_container.a",
        mode: "managed",
        type: "docker_container",
        name: "a",
        change: {
          actions: ["no-op"],
          before: { name: "h-a", labels: [{ label: "l", value: "v" }] },
          after: { name: "h-a", labels: [{ label: "l", value: "v" }] },
        },
      },
      {
        address: "terraform_data.s",
        mode: "managed",
        type: "terraform_data",
        name: "s",
        change: { actions: ["no-op"], before: { id: "1", triggers_replace: { id: "x" } }, after: { id: "1", triggers_replace: { id: "x" } } },
      },
    ]);
  });
});
