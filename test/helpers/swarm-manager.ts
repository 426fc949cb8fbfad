// A stand-in for a Swarm manager's docker CLI, for the unit tests of homedock swarm
// check and deploy: three nodes labelled node-1..3, each job's output as
// node-baseline.sh prints it; every call recorded.
import { readFileSync } from "node:fs";
import type { DockerAsync, Ran } from "../../src/docker/docker-cli";

export const STATUS_OK = "Name:\tsh\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n";
export const BASELINE = '{ "no-new-privileges": true, "icc": false }';

/** What node-baseline.sh prints, from these files. */
export const jobOutput = (status: string, daemon: string, meminfo = "MemTotal: 2048000 kB\nSwapTotal:       0 kB\n") =>
  `@@homedock status\n${status}@@homedock meminfo\n${meminfo}@@homedock daemon.json\n${daemon}\n@@homedock end\n`;

const ok = (stdout: string): Ran => ({ status: 0, stdout, stderr: "" });

/** A stand-in's answer to `docker service ps -q --no-trunc <job ids>`: one task per job, `task-<id>`. */
export const servicePs = (args: readonly string[]): Ran =>
  ok(
    args
      .slice(4)
      .map((id) => `task-${id}`)
      .join("\n"),
  );

/** `docker node inspect` of node-1..3 (ids n1..n3, hostnames h1..h3), Ready and active but those `down`. */
export function threeNodes(down: readonly number[] = []): Ran {
  return ok(
    JSON.stringify(
      [1, 2, 3].map((i) => ({
        ID: `n${i}`,
        Description: { Hostname: `h${i}` },
        Spec: { Labels: { "homedock.node": `node-${i}` }, Availability: "active" },
        Status: { State: down.includes(i) ? "down" : "ready" },
      })),
    ),
  );
}

/** A stand-in manager: three nodes, node-3's daemon without the baseline unless told; records every call. */
export function standInManager(node3Daemon = '{ "icc": true }', node3Status = STATUS_OK.replace("NoNewPrivs:\t1", "NoNewPrivs:\t0")) {
  const calls: string[][] = [];
  const services = new Map<string, string>();
  /** The manager's configs (the deploy lock is one): name, labels and content. */
  const configs = new Map<string, { id: string; labels: string[]; data: string }>();
  let made = 0;
  const docker: DockerAsync = (args) => {
    calls.push([...args]);
    const [a, b] = args;
    if (a === "node" && b === "ls") return Promise.resolve(ok("n1\nn2\nn3\n"));
    if (a === "node" && b === "inspect") return Promise.resolve(threeNodes());
    if (a === "service" && b === "create") {
      const id = `svc-${args[args.indexOf("--constraint") + 1].slice("node.id==".length)}`;
      services.set(id, id);
      return Promise.resolve(ok(`${id}\n`));
    }
    if (a === "service" && b === "ps") return Promise.resolve(servicePs(args));
    if (a === "inspect")
      return Promise.resolve(ok(JSON.stringify(args.slice(3).map((t) => ({ ServiceID: t.slice(5), Status: { State: "complete", Message: "finished" } })))));
    if (a === "service" && b === "logs") {
      const n3 = args.at(-1) === "svc-n3";
      return Promise.resolve(ok(jobOutput(n3 ? node3Status : STATUS_OK, n3 ? node3Daemon : BASELINE)));
    }
    if (a === "service" && b === "rm") return Promise.resolve(ok(""));
    if (a === "config" && b === "create") {
      // docker config create [--label k=v]... NAME FILE, as the manager's store takes it: one config of a name.
      const [name, file] = args.slice(-2);
      if (configs.has(name))
        return Promise.resolve({
          status: 1,
          stdout: "",
          stderr: `Error response from daemon: rpc error: code = AlreadyExists desc = config ${name} already exists\n`,
        });
      const labels = args.flatMap((arg, i) => (args[i - 1] === "--label" ? [arg] : []));
      configs.set(name, { id: `cfg${++made}`, labels, data: readFileSync(file, "utf8") });
      return Promise.resolve(ok(`${configs.get(name)!.id}\n`));
    }
    if (a === "config" && b === "inspect" && args[2] === "--format" && args[3] === '{{printf "%s" .Spec.Data}}') {
      const c = configs.get(args[4]);
      return Promise.resolve(c === undefined ? { status: 1, stdout: "", stderr: `Error: No such config: ${args[4]}\n` } : ok(`${c.data}\n`));
    }
    if (a === "config" && b === "rm") {
      // By id or by name, as docker config rm takes either.
      const name = [...configs].find(([n, c]) => n === args[2] || c.id === args[2])?.[0];
      const gone = name !== undefined && configs.delete(name);
      return Promise.resolve(gone ? ok(`${args[2]}\n`) : { status: 1, stdout: "", stderr: `Error: No such config: ${args[2]}\n` });
    }
    // The stack's services and secrets, after a deploy: none here.
    if ((a === "service" || a === "secret") && b === "ls") return Promise.resolve(ok(""));
    return Promise.resolve({ status: 1, stdout: "", stderr: `unexpected: ${args.join(" ")}` });
  };
  return { docker, calls, configs };
}
