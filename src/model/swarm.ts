// Where each user's workspaces run on a Swarm, and what Swarm calls them. Pure: the
// same config always gives the same nodes and names.
import { createHash } from "node:crypto";

/**
 * The node a user's workspaces run on when the config pins none: of all `nodes`, the one
 * whose hash with the user's name is highest (rendezvous hashing). It depends on the
 * user's name and the node list alone, never on the other users, so adding or removing
 * a user moves no one else; adding a node moves only the users whose highest hash is
 * now the new node's, removing one only that node's users. sha256, not a hash of the
 * runtime's, so that every machine that renders the config picks the same node.
 */
export function nodeOf(user: string, nodes: readonly string[]): string {
  let best: string | undefined;
  let bestScore = "";
  for (const node of nodes) {
    // "\0" cannot be in either name: ("ab", "c") and ("a", "bc") hash apart.
    const score = createHash("sha256").update(`${user}\0${node}`).digest("hex");
    if (best === undefined || score > bestScore) [best, bestScore] = [node, score];
  }
  if (best === undefined) throw new Error("nodeOf: expected at least one node");
  return best;
}

/**
 * A workspace's service in the stack file: `<user>--<environment>`, which Docker makes
 * `<host>_<user>--<environment>`. Swarm's names are DNS labels (letters, digits, '-' and
 * '_' between them, at most 63 characters), so the single host's `<user>.<environment>`
 * cannot be one; "--" keeps user and environment apart where a name has a '-' of its own.
 */
export function swarmServiceName(user: string, environment: string): string {
  return `${user}--${environment}`;
}

/** The name Swarm gives the service `service` of the stack `host`. */
export function scopedServiceName(host: string, service: string): string {
  return `${host}_${service}`;
}

/**
 * What Swarm accepts as a service's name: swarmkit's isValidDNSName
 * (manager/controlapi), `^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$`, and at most 63
 * characters. Written with one letter or digit per repetition, the same names: swarmkit's
 * form backtracks exponentially here on a long name that ends in '-' or '_'.
 */
export const SWARM_NAME_PATTERN = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9])*$/;
export const SWARM_NAME_MAX = 63;

/** The node label a node's name is matched with. */
export const NODE_LABEL = "homedock.node";

/** The constraint that pins a workspace's service to its user's node. */
export function placementConstraint(node: string): string {
  return `node.labels.${NODE_LABEL} == ${node}`;
}

/** The node a placement constraint names; undefined for any other constraint. */
export function constraintNode(constraint: string): string | undefined {
  const prefix = placementConstraint("");
  return constraint.startsWith(prefix) ? constraint.slice(prefix.length) : undefined;
}

/**
 * Swarm's restart condition for Docker's restart policy: a service has no "stopped by
 * hand" to honour, so unless-stopped restarts as always does. "no" must be said: a
 * service without a condition restarts on any exit.
 */
export const RESTART_CONDITION: Readonly<Record<"no" | "on-failure" | "always" | "unless-stopped", string>> = {
  no: "none",
  "on-failure": "on-failure",
  always: "any",
  "unless-stopped": "any",
};

/**
 * A node's proxy in the stack file: `door--<node>`, on that node, reached by the entry
 * proxy by this name on the proxies' overlay. "--" as in a workspace's name, so that the
 * check of service names sees a clash with one (a user "door", an environment named as a node).
 */
export function doorServiceName(node: string): string {
  return `door--${node}`;
}

/** The proxies' overlay network: the entry proxy and every node's proxy, nothing else. */
export function doorsNetwork(host: string): string {
  return `${host}-doors`;
}

/**
 * The entry proxy's own overlay, which only it joins: not internal, since the ports it
 * publishes in host mode reach it through the node's gateway bridge, which Swarm gives a
 * task only for a network that is not internal. The proxies' overlay can then be
 * internal, and a node's proxy is on no network its node reaches.
 */
export function entryNetwork(host: string): string {
  return `${host}-entry`;
}

/** The port a node's proxy listens on (TLS, a client certificate of homedock's CA required), on the proxies' overlay only. */
export const DOOR_PORT = 8443;

/** The node the entry proxy (and the login) run on: the first of swarm.nodes. */
export function entryNode(nodes: readonly string[]): string {
  return nodes[0];
}

/** The entry proxy's service in the stack file, and the name in its client certificate. */
export const ENTRY_PEER = "frontdoor";
