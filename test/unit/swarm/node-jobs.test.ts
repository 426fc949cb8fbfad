// The runner of homedock's one-task jobs on Swarm nodes, against a stand-in manager:
// never more than AT_ONCE docker calls of a kind at once (over ssh:// each is a
// connection), every job removed, results in the order given.
import { describe, expect, it } from "vitest";
import type { DockerAsync, Ran } from "../../../src/docker/docker-cli";
import { AT_ONCE, runJobs } from "../../../src/swarm/node-jobs";
import { servicePs } from "../../helpers/swarm-manager";

describe("the jobs' runner", () => {
  it("creates and reads at most AT_ONCE jobs at a time, removes them all, and answers in the order given", async () => {
    let inFlight = 0;
    let most = 0;
    const calls: string[][] = [];
    const ok = (stdout: string): Ran => ({ status: 0, stdout, stderr: "" });
    const slow = async (answer: Ran): Promise<Ran> => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      return answer;
    };
    const docker: DockerAsync = (args) => {
      calls.push([...args]);
      const [a, b] = args;
      if (a === "service" && b === "create") return slow(ok(`${args.at(-1)}\n`));
      if (a === "service" && b === "ps") return Promise.resolve(servicePs(args));
      if (a === "inspect")
        return Promise.resolve(ok(JSON.stringify(args.slice(3).map((t) => ({ ServiceID: t.slice(5), Status: { State: "complete", Message: "finished" } })))));
      if (a === "service" && b === "logs") return slow(ok(`log of ${args.at(-1)}\n@@homedock end\n`));
      return Promise.resolve(ok(""));
    };
    const jobs = new Map(Array.from({ length: 20 }, (_, i) => [`node-${i}`, ["service", "create", `job${i}`]]));
    const results = await runJobs(jobs, docker, 5_000, () => "untilEnd");
    expect(most).toBe(AT_ONCE);
    expect([...results.keys()]).toEqual([...jobs.keys()]);
    expect([...results.values()].map((r) => (r.created ? r.output.split("\n")[0] : r.error))).toEqual(Array.from({ length: 20 }, (_, i) => `log of job${i}`));
    const removed = calls.filter((c) => c[1] === "rm");
    expect([removed.length, removed[0].slice(2).sort()]).toEqual([1, Array.from({ length: 20 }, (_, i) => `job${i}`).sort()]);
  });
});
