// The node baseline of a Swarm, judged: what the manager says of each node the config
// names (docker node inspect), and what a job on that node read there (node-baseline.sh).
// Pure: text in, one line per problem out. What every node must have, and why: a
// service cannot ask for no-new-privileges (no such field before API 1.44, none in a
// stack file) nor for icc off (a node's bridge is the node's own), so each node's
// dockerd must give both to every container (README "On a Docker Swarm").
import { NODE_LABEL } from "../model/swarm";
import { type SwarmNodeState } from "../docker/swarm-nodes";

/** What the check found: the nodes to run the job on (config name -> node id), and the problems found already. */
export interface NodePlan {
  readonly probe: ReadonlyMap<string, SwarmNodeState>;
  readonly problems: readonly string[];
}

/**
 * Each node the config names, found by its label: exactly one node must carry it, Ready
 * and active, or its workspaces could not run there (or could run on either of two).
 */
export function planNodeCheck(configNodes: readonly string[], nodes: readonly SwarmNodeState[]): NodePlan {
  const probe = new Map<string, SwarmNodeState>();
  const problems: string[] = [];
  for (const name of configNodes) {
    const found = nodes.filter((n) => n.label === name);
    const [node] = found;
    if (node === undefined) {
      problems.push(
        `${name}: no node of the Swarm has the label ${NODE_LABEL}=${name}: expected one (on a manager: docker node update --label-add ${NODE_LABEL}=${name} <node>)`,
      );
    } else if (found.length > 1) {
      problems.push(`${name}: the label ${NODE_LABEL}=${name} is on ${found.length} nodes (${found.map((n) => n.hostname).join(", ")}): expected one`);
    } else if (node.state !== "ready") {
      problems.push(`${name}: state ${node.state} (${node.hostname}): expected ready; its workspaces cannot run there`);
    } else if (node.availability !== "active") {
      problems.push(
        `${name}: availability ${node.availability} (${node.hostname}): expected active (docker node update --availability active ${node.hostname})`,
      );
    } else {
      probe.set(name, node);
    }
  }
  return { probe, problems };
}

/** How the job on a node ended: its output, or why it did not run to the end. */
export type ProbeResult = { readonly output: string } | { readonly failed: string };

/** The sections of node-baseline.sh's output, by name; undefined when the output was cut (no end). */
function sections(output: string): Map<string, string> | undefined {
  const parts = new Map<string, string>();
  for (const part of output.split(/^@@homedock /m).slice(1)) {
    const newline = part.indexOf("\n");
    parts.set((newline === -1 ? part : part.slice(0, newline)).trim(), newline === -1 ? "" : part.slice(newline + 1));
  }
  return parts.has("end") ? parts : undefined;
}

/** A field of /proc's "Name:\tvalue" files. */
function procField(text: string, name: string): string | undefined {
  return new RegExp(`^${name}:\\s*(.*)$`, "m").exec(text)?.[1]?.trim();
}

const DAEMON_JSON = "/etc/docker/daemon.json";

/** What one node's job read, judged: one line per problem (refusing), one per warning. */
export interface NodeFindings {
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
  /** What was seen, for the line that says a node is fine. */
  readonly seen: string;
}

/** The node baseline on `node` (the config's name), from its job's result. */
export function judgeProbe(node: string, result: ProbeResult): NodeFindings {
  if ("failed" in result) {
    // A node without daemon.json: the job's bind mount has no source, and Swarm rejects it.
    const missing = /bind source path does not exist: (\S+)/.exec(result.failed)?.[1];
    if (missing === DAEMON_JSON) {
      return {
        problems: [`${node}: ${DAEMON_JSON}: does not exist: expected one with "no-new-privileges": true and "icc": false`],
        warnings: [],
        seen: "",
      };
    }
    return { problems: [`${node}: the check could not run there: ${result.failed}`], warnings: [], seen: "" };
  }
  const parts = sections(result.output);
  if (parts === undefined)
    return { problems: [`${node}: the check's output was cut short: ${JSON.stringify(result.output.slice(-120))}`], warnings: [], seen: "" };
  const problems: string[] = [];
  const warnings: string[] = [];
  const status = parts.get("status") ?? "";
  const nnp = procField(status, "NoNewPrivs");
  if (nnp !== "1") {
    problems.push(
      `${node}: no-new-privileges: got NoNewPrivs ${nnp ?? "(none)"} in a task container; expected 1: "no-new-privileges": true in ${DAEMON_JSON}, then restart dockerd`,
    );
  }
  let daemon: unknown;
  try {
    daemon = JSON.parse(parts.get("daemon.json") ?? "");
  } catch (err) {
    problems.push(`${node}: ${DAEMON_JSON}: not JSON (${(err as Error).message}): expected an object with "icc": false`);
  }
  if (daemon !== undefined) {
    const icc = typeof daemon === "object" && daemon !== null && !Array.isArray(daemon) ? (daemon as Record<string, unknown>).icc : undefined;
    if (icc !== false) {
      problems.push(
        `${node}: icc: got ${icc === undefined ? "no icc" : JSON.stringify(icc)} in ${DAEMON_JSON}; expected "icc": false (without it, workspaces on this node reach each other's ports), then restart dockerd`,
      );
    }
  }
  const swapKiB = Number(/^(\d+)/.exec(procField(parts.get("meminfo") ?? "", "SwapTotal") ?? "")?.[1] ?? 0);
  if (swapKiB > 0) {
    warnings.push(
      `${node}: has ${(swapKiB / 1024 / 1024).toFixed(1)} GiB of swap: a workspace may swap as much again as its memory limit (a service cannot hold swap to it)`,
    );
  }
  return { problems, warnings, seen: `NoNewPrivs ${nnp ?? "?"}, "icc": false in ${DAEMON_JSON}${swapKiB > 0 ? "" : ", no swap"}` };
}
