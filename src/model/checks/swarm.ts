// A swarm section: its nodes, the users pinned to them, and what a Swarm cannot do
// (yet) that a single host does.
import { formatPath, type PathSegment } from "../../config/issues";
import { type PartialConfig, type Report } from "./check";
import { firstUse } from "./unique";
import { doorServiceName, scopedServiceName, SWARM_NAME_MAX, SWARM_NAME_PATTERN, swarmServiceName } from "../swarm";

export function checkSwarm(config: PartialConfig, report: Report): void {
  const { swarm } = config;
  if (swarm === undefined) {
    config.users.forEach((user, i) => {
      if (user?.node !== undefined)
        report(["users", i, "node"], "expected no node without a swarm section (swarm.nodes lists the nodes a user may be pinned to)", user.node);
    });
    return;
  }
  const nodeName = firstUse(report, "a node name");
  const names = swarm.nodes.map((node) => node.name);
  names.forEach((name, i) => nodeName(name, ["swarm", "nodes", i, "name"], name));
  checkPins(config, names, report);
  checkUnsupported(config, report);
  checkFrontDoor(config, report);
  checkServiceNames(config, report);
}

/** Each user's node is one of the swarm's. */
function checkPins(config: PartialConfig, nodes: readonly (string | undefined)[], report: Report): void {
  const names = nodes.filter((n) => n !== undefined);
  // An empty list is its own error; every pin would repeat it.
  if (names.length === 0) return;
  const known = new Set(names);
  config.users.forEach((user, i) => {
    if (user?.node !== undefined && !known.has(user.node)) report(["users", i, "node"], `expected one of swarm.nodes: ${names.join(", ")}`, user.node);
  });
}

/** What a single host does that the Swarm rendering cannot, each refused with its reason. */
function checkUnsupported(config: PartialConfig, report: Report): void {
  const { host } = config;
  if (host.createHomes) {
    report(
      ["host", "createHomes"],
      "expected false with a swarm section: homes are on storage every node mounts, made with the accounts (useradd -m on the file server); " +
        "root on a node may not create them there (NFS root_squash), and a stack cannot run a one-shot before the workspaces",
      true,
    );
  }
  if (host.network !== undefined) {
    report(
      ["host", "network"],
      "expected no network with a swarm section: workspaces are on each node's default bridge, with icc off on every node",
      host.network,
    );
  }
  config.users.forEach((user, i) => {
    if (user?.supplementaryGids !== undefined && user.supplementaryGids.length > 0) {
      report(
        ["users", i, "supplementaryGids"],
        "expected none with a swarm section: a stack file cannot give a service extra groups (no group_add)",
        user.supplementaryGids,
      );
    }
  });
}

/** What the front door across nodes cannot do yet that one host's does, each refused with its reason. */
function checkFrontDoor(config: PartialConfig, report: Report): void {
  const { frontDoor } = config;
  if (frontDoor === undefined) return;
  const at = (...keys: PathSegment[]): PathSegment[] => ["frontDoor", ...keys];
  if (frontDoor.listen !== undefined && (frontDoor.listen.length !== 1 || frontDoor.listen[0] !== "0.0.0.0")) {
    report(
      at("listen"),
      "expected [0.0.0.0] with a swarm section: the entry proxy publishes its ports on its node in host mode, which takes no address",
      frontDoor.listen,
    );
  }
  if (frontDoor.tls === "files") {
    report(
      at("tls"),
      "expected internal or acme with a swarm section: a private key of the machine homedock runs on is not carried to the entry's node, whose image the config names",
      "files",
    );
  }
  const idle = "expected no idleTimeout with a swarm section and a front door: idle stop and wake are not yet across nodes";
  config.environments.forEach((env, i) => {
    if (env?.idleTimeout !== undefined) report(["environments", i, "idleTimeout"], idle, env.idleTimeout);
  });
  if (config.host.defaults?.idleTimeout !== undefined) report(["host", "defaults", "idleTimeout"], idle, config.host.defaults.idleTimeout);
  config.swarm?.nodes.forEach((node, i) => {
    if (node.name?.includes(".")) {
      report(
        ["swarm", "nodes", i, "name"],
        `expected a name without "." with a front door: it names the node's proxy (${doorServiceName(node.name)}), a DNS label on the proxies' network`,
        node.name,
      );
    }
  });
}

/**
 * Every workspace's Swarm service name (`<host>_<user>--<environment>`) is a DNS label,
 * and no two workspaces share one ("a--b" and "c" make what "a" and "b--c" make).
 */
function checkServiceNames(config: PartialConfig, report: Report): void {
  const { host } = config;
  if (!/^[a-z0-9]/.test(host.name)) {
    report(
      ["host", "name"],
      "expected a host name starting with a letter or digit with a swarm section: it names the stack, and Swarm's names start so",
      host.name,
    );
    return;
  }
  const first = new Map<string, readonly PathSegment[]>();
  // The node proxies' services come first: a workspace named as one is the one refused.
  if (config.frontDoor !== undefined) {
    config.swarm?.nodes.forEach((node, i) => {
      if (node.name === undefined) return;
      const name = scopedServiceName(host.name, doorServiceName(node.name));
      if (name.length > SWARM_NAME_MAX) {
        report(
          ["swarm", "nodes", i, "name"],
          `expected a shorter name with a front door: its proxy is the Swarm service ${name}, ${name.length} characters (at most ${SWARM_NAME_MAX})`,
          node.name,
        );
      }
      first.set(name, ["swarm", "nodes", i]);
    });
  }
  config.environments.forEach((env, j) => {
    if (env?.name === undefined) return;
    if (!SWARM_NAME_PATTERN.test(`x${env.name}`)) {
      report(["environments", j, "name"], "expected a name ending in a letter or digit with a swarm section: it ends a Swarm service's name", env.name);
    }
  });
  config.users.forEach((user, i) => {
    if (user?.name === undefined) return;
    for (const env of config.environments) {
      if (env?.name === undefined || (env.groups !== undefined && !env.groups.some((g) => user.groups?.includes(g)))) continue;
      const name = scopedServiceName(host.name, swarmServiceName(user.name, env.name));
      const seen = first.get(name);
      if (name.length > SWARM_NAME_MAX) {
        // One line per user, for the first workspace that is too long.
        const why = `its workspace in ${env.name} is the Swarm service ${name}, ${name.length} characters (at most ${SWARM_NAME_MAX})`;
        report(["users", i, "name"], `expected a shorter name with a swarm section: ${why}`, user.name);
        return;
      }
      if (seen === undefined) first.set(name, ["users", i]);
      else {
        const whose = seen[0] === "swarm" ? `the proxy of ${formatPath(seen)}` : `${formatPath(seen)}'s workspace`;
        report(["users", i, "name"], `expected a workspace service name not used before, but ${whose} is ${name} too`, user.name);
      }
    }
  });
}
