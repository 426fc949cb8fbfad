// The old secrets of a host's stack, against a stand-in manager: those no service of the
// stack names are removed, those a service names never, nothing of another stack looked
// at, and nothing removed when the stack cannot be read.
import { describe, expect, it } from "vitest";
import type { DockerAsync, Ran } from "../../../src/docker/docker-cli";
import { pruneStackSecrets, SECRETS_NAMED } from "../../../src/swarm/stack-secrets";

const LABEL = "label=com.docker.stack.namespace=lab";

/** A service's secrets: those its spec names, and those its previous spec (a rollback's) names. */
type Named = string[] | { spec: string[]; previous: string[] };

/** A manager with the stack lab's services (each naming its secrets) and secrets; every call recorded. */
function manager(services: Record<string, Named>, secrets: string[], options: { inUse?: string[]; failing?: string } = {}) {
  const calls: string[] = [];
  const left = new Set(secrets);
  const ok = (stdout: string): Ran => ({ status: 0, stdout, stderr: "" });
  const docker: DockerAsync = (args) => {
    const call = args.join(" ");
    calls.push(call);
    if (options.failing !== undefined && call.startsWith(options.failing))
      return Promise.resolve({ status: 1, stdout: "", stderr: "Cannot connect to the Docker daemon\n" });
    if (call === `service ls --filter ${LABEL} --format {{.ID}}`)
      return Promise.resolve(
        ok(
          Object.keys(services)
            .map((id) => `${id}\n`)
            .join(""),
        ),
      );
    if (args[0] === "service" && args[1] === "inspect") {
      // What the template prints: the spec's secrets, then the previous spec's.
      if (args[2] !== "--format" || args[3] !== SECRETS_NAMED) return Promise.resolve({ status: 1, stdout: "", stderr: `unexpected format: ${args[3]}` });
      const names = (n: Named) => (Array.isArray(n) ? n : [...n.spec, ...n.previous]);
      return Promise.resolve(
        ok(
          args
            .slice(4)
            .map(
              (id) =>
                names(services[id])
                  .map((s) => `${s}\n`)
                  .join("") + "\n",
            )
            .join(""),
        ),
      );
    }
    if (call === `secret ls --filter ${LABEL} --format {{.Name}}`) return Promise.resolve(ok([...left].map((s) => `${s}\n`).join("")));
    if (args[0] === "secret" && args[1] === "rm") {
      if (options.inUse?.includes(args[2]))
        return Promise.resolve({
          status: 1,
          stdout: "",
          stderr: `Error response from daemon: rpc error: secret '${args[2]}' is in use by the following service: lab_frontdoor\n`,
        });
      left.delete(args[2]);
      return Promise.resolve(ok(`${args[2]}\n`));
    }
    return Promise.resolve({ status: 1, stdout: "", stderr: `unexpected: ${call}` });
  };
  return { docker, calls, left };
}

describe("the old secrets of a stack", () => {
  it("are removed when no service of the stack names them; those a service names stay", async () => {
    const m = manager({ s1: ["lab-aaaa-Caddyfile", "lab-bbbb-htpasswd"], s2: ["lab-bbbb-htpasswd"], s3: [] }, [
      "lab-0000-Caddyfile",
      "lab-aaaa-Caddyfile",
      "lab-bbbb-htpasswd",
      "lab-1111-htpasswd",
    ]);
    expect(await pruneStackSecrets("lab", m.docker)).toEqual({ removed: ["lab-0000-Caddyfile", "lab-1111-htpasswd"], problems: [] });
    expect([...m.left].sort()).toEqual(["lab-aaaa-Caddyfile", "lab-bbbb-htpasswd"]);
    // Only the stack's own, by its label: no other secret listed, none other removed.
    expect(m.calls.filter((c) => c.includes(" ls "))).toEqual([
      `service ls --filter ${LABEL} --format {{.ID}}`,
      `secret ls --filter ${LABEL} --format {{.Name}}`,
    ]);
    expect(m.calls.filter((c) => c.startsWith("secret rm"))).toEqual(["secret rm lab-0000-Caddyfile", "secret rm lab-1111-htpasswd"]);
  });

  it("stay while a service's previous spec names them: a rollback returns to it", async () => {
    const m = manager({ s1: { spec: ["lab-aaaa-Caddyfile"], previous: ["lab-0000-Caddyfile"] } }, [
      "lab-0000-Caddyfile",
      "lab-aaaa-Caddyfile",
      "lab-ffff-Caddyfile",
    ]);
    expect(await pruneStackSecrets("lab", m.docker)).toEqual({ removed: ["lab-ffff-Caddyfile"], problems: [] });
    expect([...m.left].sort()).toEqual(["lab-0000-Caddyfile", "lab-aaaa-Caddyfile"]);
  });

  it("stay where Docker refuses to remove them (still in use), said by name", async () => {
    const m = manager({ s1: ["lab-aaaa-Caddyfile"] }, ["lab-0000-Caddyfile", "lab-aaaa-Caddyfile"], { inUse: ["lab-0000-Caddyfile"] });
    const pruned = await pruneStackSecrets("lab", m.docker);
    expect(pruned.removed).toEqual([]);
    expect(pruned.problems).toEqual([
      "the old secret lab-0000-Caddyfile stays: Error response from daemon: rpc error: secret 'lab-0000-Caddyfile' is in use by the following service: lab_frontdoor",
    ]);
    expect([...m.left].sort()).toEqual(["lab-0000-Caddyfile", "lab-aaaa-Caddyfile"]);
  });

  for (const failing of ["service ls", "service inspect", "secret ls"]) {
    it(`are none of them removed when the manager cannot answer (${failing})`, async () => {
      const m = manager({ s1: ["lab-aaaa-Caddyfile"] }, ["lab-0000-Caddyfile", "lab-aaaa-Caddyfile"], { failing });
      const pruned = await pruneStackSecrets("lab", m.docker);
      expect(pruned.removed).toEqual([]);
      expect(pruned.problems).toEqual([expect.stringMatching(/^cannot read the stack's (services|secrets), so no old secret was removed: Cannot connect/)]);
      expect(m.calls.filter((c) => c.startsWith("secret rm"))).toEqual([]);
    });
  }
});
