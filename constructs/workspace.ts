import { Container } from "@cdktf/provider-docker/lib/container";
import type { Network } from "@cdktf/provider-docker/lib/network";
import { Fn, type ITerraformDependable, type TerraformVariable, Token } from "cdktf";
import { Construct } from "constructs";
import { type ContainerSpec, secretKey, workspaceContainer } from "./container-spec";
import type { Environment } from "./environment";
import type { HostModel, WorkspaceModel } from "./model";
import { containerConfig } from "./terraform";

export interface WorkspaceProps {
  readonly host: HostModel;
  readonly workspace: WorkspaceModel;
  /** The Environment construct whose image this workspace runs. */
  readonly environment: Environment;
  /** The host's network; referenced, so Terraform creates it first. */
  readonly network: Network;
  /** The seeder script as Terraform should see it (one shared local rather than a copy per container). */
  readonly seederScript: string;
  /** The host's sensitive map of workspace tokens, by workspace key. */
  readonly tokens: TerraformVariable;
  /** What must exist before the container starts (its user's home). */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/** One user in one environment: one docker_container. */
export class Workspace extends Construct {
  readonly spec: ContainerSpec;
  readonly container: Container;

  constructor(scope: Construct, id: string, props: WorkspaceProps) {
    super(scope, id);
    this.spec = workspaceContainer(props.host, props.workspace);
    const key = secretKey(props.workspace);
    const config = containerConfig(this.spec, props.environment.image.imageId, () => Token.asString(Fn.lookup(props.tokens.value, key)));
    this.container = new Container(this, "container", {
      ...config,
      entrypoint: config.entrypoint?.map((arg, i) => (i === 2 ? props.seederScript : arg)),
      networksAdvanced: [{ name: props.network.name }],
      dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
    });
  }
}
