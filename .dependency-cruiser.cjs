// The layers of homedock, checked by `npm test` (dependency-cruiser): a file imports only
// from its own layer or one below it, and no files import each other in a circle. The
// README's "Layout" says what each layer is for. Bottom first:
const LAYERS = [
  // the config file: its schema, the JSON Schema, the YAML reader, problems and how they are written
  ["config", "^src/config/"],
  // the model: validated config -> typed hosts, environments, users, workspaces (pure)
  ["model", "^src/model/"],
  // the preflight: what the model names on the Docker host, looked for on this machine
  // (reads, writes nothing); below the constructs, whose Host runs it
  ["preflight", "^src/preflight/"],
  // the container spec every renderer maps, the front door's containers, the seeder and the root scripts
  ["container", "^src/container/"],
  // the pure renderers: Terraform arguments, the Compose file, the Caddyfile
  ["render", "^src/render/"],
  // the cdktf constructs: the Terraform renderer as a cdktf user meets it
  ["constructs", "^constructs/"],
  // the plan review: a Terraform plan or a Compose preview in the reviewer's words (pure)
  ["review", "^src/review/"],
  // the edges that touch the machine, lowest first: the docker CLI ...
  ["docker", "^src/docker/"],
  // ... and, side by side (none imports another): the host's accounts, its running
  // workspaces, the files written to disk (the stack, the Compose file, the secrets), a
  // Swarm's nodes
  ["users", "^src/users/", "edges"],
  ["workspaces", "^src/workspaces/", "edges"],
  ["output", "^src/output/", "edges"],
  // the node baseline of a Swarm's nodes, read through a manager (swarm check)
  ["swarm", "^src/swarm/", "edges"],
  // the homedock command
  ["cli", "^src/cli/"],
  // what a user starts from: the cdktf app and the package's public API
  ["entry", "^(main\\.ts|src/index\\.ts)$"],
];

// A layer's level: its place in the list, or its group's first place (a group's layers
// stand side by side). Each layer may import its own files and the layers of a lower
// level; nothing at its level or above.
const level = (i) => (LAYERS[i][2] === undefined ? i : LAYERS.findIndex((l) => l[2] === LAYERS[i][2]));
const layerRules = LAYERS.flatMap(([name, from], i) => {
  const notBelow = LAYERS.filter((_, j) => j !== i && level(j) >= level(i)).map((l) => l[1]);
  // (an empty path list would match everything: the top layer has nothing above it)
  if (notBelow.length === 0) return [];
  return [
    {
      name: `layer-${name}`,
      comment: `${name} (${from}) imports only its own files and the layers below it (.dependency-cruiser.cjs, README "Layout")`,
      severity: "error",
      from: { path: from },
      to: { path: notBelow },
    },
  ];
});

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "files that import each other, directly or around a circle: one of them belongs lower, or what they share in a module both import",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: "layer-unknown",
      comment: "a file under src/ in no layer: give its folder a place in LAYERS (and the README's Layout)",
      severity: "error",
      from: { path: "^src/", pathNot: LAYERS.map((l) => l[1]) },
      to: {},
    },
  ],
  // No tsConfig here: the project has no path aliases, and with one a bare "constructs"
  // (the npm package) would resolve to this repository's constructs/ folder.
  options: {
    doNotFollow: { path: "node_modules" },
    // type-only imports are dependencies too: a type from a layer above ties the layers as much as a value does
    tsPreCompilationDeps: true,
    exclude: { path: "^(dist|node_modules)/" },
  },
};
