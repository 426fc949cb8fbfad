// What the Terraform rendering of a Swarm (docker_service, provider 4.5.0) cannot say
// that the stack file can, refused in the config's words.
import { ConfigError, type ConfigIssue } from "../config/issues";
import type { HostModel } from "./model";
import { workspacesOf } from "./workspaces";

/**
 * `model`, where Terraform can render it: a single host, or a Swarm without a workspace
 * that runs as uid 0.
 * @throws ConfigError naming each field that cannot be rendered, and why
 */
export function terraformModel<M extends HostModel>(model: M): M {
  if (model.swarm === undefined) return model;
  const issues: ConfigIssue[] = [];
  model.users.forEach((user, i) => {
    if (user.uid !== 0 || workspacesOf(model, user.name).length === 0) return;
    issues.push({
      path: ["users", i, "uid"],
      message:
        "expected a uid other than 0 with a swarm section for Terraform (synth, plan, deploy): provider 4.5.0 has no process limit for a service, " +
        "so it is RLIMIT_NPROC, which never holds root (homedock swarm deploy's stack file has the cgroup's)",
      value: 0,
      hasValue: true,
    });
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return model;
}
