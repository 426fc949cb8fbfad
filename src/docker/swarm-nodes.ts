// A Swarm's nodes as a manager's API has them (docker node inspect): read by the node
// check before a deploy and by the status of a Swarm's workspaces.
import { NODE_LABEL } from "../model/swarm";
import { answered, type DockerAsync, HostUnreadableError } from "./docker-cli";

/** A node as the manager has it. */
export interface SwarmNodeState {
  readonly id: string;
  readonly hostname: string;
  /** Its homedock.node label, if any. */
  readonly label?: string;
  /** ready, down, unknown, disconnected. */
  readonly state: string;
  /** active, pause, drain. */
  readonly availability: string;
}

/**
 * `docker node inspect`'s JSON, as the states homedock reads.
 * @throws HostUnreadableError when it is not that JSON (docker printed something else)
 */
export function parseNodeInspect(json: string): SwarmNodeState[] {
  let nodes: unknown;
  try {
    nodes = JSON.parse(json);
  } catch {
    nodes = undefined;
  }
  if (!Array.isArray(nodes)) throw new HostUnreadableError(`docker node inspect: expected a JSON array, got ${JSON.stringify(json.slice(0, 80))}`);
  return nodes.map(
    (n: {
      ID?: string;
      Description?: { Hostname?: string };
      Spec?: { Labels?: Record<string, string>; Availability?: string };
      Status?: { State?: string };
    }) => ({
      id: n.ID ?? "",
      hostname: n.Description?.Hostname ?? "",
      ...(n.Spec?.Labels?.[NODE_LABEL] === undefined ? {} : { label: n.Spec.Labels[NODE_LABEL] }),
      state: n.Status?.State ?? "unknown",
      availability: n.Spec?.Availability ?? "unknown",
    }),
  );
}

/** The Swarm's nodes, through a manager (`docker node ls`, then `docker node inspect`). */
export async function readSwarmNodes(docker: DockerAsync): Promise<SwarmNodeState[]> {
  const ids = answered(await docker(["node", "ls", "-q"]), "docker node ls (on a Swarm manager)")
    .stdout.split("\n")
    .filter(Boolean);
  return ids.length === 0 ? [] : parseNodeInspect(answered(await docker(["node", "inspect", ...ids]), "docker node inspect").stdout);
}
