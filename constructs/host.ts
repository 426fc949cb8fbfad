import { Network } from "@cdktf/provider-docker/lib/network";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { TerraformLocal, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import type { ConfigInput } from "../src/config/schema";
import { LABEL_HOST, SEEDER_SCRIPT } from "../src/spec/container-spec";
import { Environment } from "./environment";
import { buildModel, type HostModel } from "../src/model/model";
import { literal } from "../src/render/terraform";
import { User } from "./user";
import type { HostRefs } from "./workspace";

/** The Docker provider version homedock's output is tested against (see README). */
export const DOCKER_PROVIDER_VERSION = "4.5.0";

/** The Terraform variable holding the workspace tokens. */
export const TOKENS_VARIABLE = "workspace_tokens";

/** What a config file says, given in code. Validated exactly as a file is. */
export type HostProps = ConfigInput;

/**
 * A multi-user Docker host: its network, one image per environment, and per user a
 * home and one workspace container per environment the user may use. One per stack;
 * it configures the stack's Docker provider.
 */
export class Host extends Construct {
  readonly model: HostModel;
  readonly network: Network;
  /** By environment name. */
  readonly environments: ReadonlyMap<string, Environment>;
  /** By user name. */
  readonly users: ReadonlyMap<string, User>;
  /** Each workspace's Jupyter token by "<user>.<environment>": a sensitive input, never in the synthesized JSON. */
  readonly tokens: TerraformVariable;

  /** @throws ConfigError when the props are not a valid config */
  constructor(scope: Construct, id: string, props: HostProps | HostModel) {
    super(scope, id);
    this.model = isModel(props) ? props : buildModel(props);
    const stack = TerraformStack.of(this);
    new DockerProvider(stack, "docker", {});
    stack.addOverride("terraform.required_providers.docker", {
      source: "kreuzwerker/docker",
      version: DOCKER_PROVIDER_VERSION,
    });
    this.network = new Network(this, "network", {
      name: this.model.network,
      labels: [{ label: LABEL_HOST, value: this.model.name }],
    });
    // One copy of the seeder in the plan, however many workspaces run it.
    const seeder = new TerraformLocal(this, "seeder", literal(SEEDER_SCRIPT));
    seeder.overrideLogicalId("homedock_seeder");
    this.tokens = new TerraformVariable(this, "tokens", {
      type: "map(string)",
      sensitive: true,
      description: 'Jupyter token of each workspace, by "<user>.<environment>" (homedock synth writes them to terraform.tfvars.json)',
    });
    this.tokens.overrideLogicalId(TOKENS_VARIABLE);

    this.environments = new Map(
      this.model.environments.map((e) => [e.name, new Environment(this, `env-${e.name}`, { environment: e })]),
    );
    const refs: HostRefs = { networkName: this.network.name, seederScript: seeder.asString, tokens: this.tokens.value };
    this.users = new Map(
      this.model.users.map((u) => [
        u.name,
        new User(this, `user-${u.name}`, {
          host: this.model,
          user: u,
          environments: this.environments,
          refs,
        }),
      ]),
    );
  }
}

function isModel(props: HostProps | HostModel): props is HostModel {
  return Array.isArray((props as HostModel).workspaces);
}
