import type { Container } from "@cdktf/provider-docker/lib/container";
import type { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Fn, type ITerraformDependable, type TerraformVariable, Token } from "cdktf";
import { Construct } from "constructs";
import { type ContainerSpec, workspaceContainer } from "../src/container/container";
import type { Environment } from "./environment";
import type { HostModel, WorkspaceModel } from "../src/model/model";
import { declareContainer, type StartResource } from "./container";
import type { HostWorkspace } from "./parts";

export interface WorkspaceProps {
  readonly host: HostModel;
  readonly workspace: WorkspaceModel;
  /** The Environment construct whose image this workspace runs. */
  readonly environment: Environment;
  /** References made once per host and shared by its workspaces. */
  readonly refs: HostRefs;
  /** What must exist before the container starts (its user's home). */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/** Terraform references every workspace of a host makes; each is made once. */
export interface HostRefs {
  /** The host network's name, referenced so Terraform creates the network first. */
  readonly networkName: string;
  /**
   * What replace_triggered_by names for the network (networkTriggers: the network and the
   * terraform_data holding its id). Docker cannot change a network's options in place,
   * and removes no network a container is still on: what is on it is replaced with it,
   * and whenever it is made again (a network removed by hand).
   */
  readonly networkTriggers: readonly string[];
  /** The seeder script as Terraform should see it (one shared local rather than a copy per container). */
  readonly seederScript: string;
  /** The home one-shot's script, likewise. */
  readonly homeScript: string;
  /** The stack's sensitive map of workspace tokens, by container name. */
  readonly tokens: TerraformVariable;
  /** The provider every resource of the host is created with. */
  readonly provider: DockerProvider;
}

/** One user in one environment: one docker_container. */
export class Workspace extends Construct implements HostWorkspace {
  readonly spec: ContainerSpec;
  readonly container: Container;
  readonly start?: StartResource;

  constructor(scope: Construct, id: string, props: WorkspaceProps) {
    super(scope, id);
    this.spec = workspaceContainer(props.host, props.workspace);
    const { refs } = props;
    const declared = declareContainer(
      this,
      "container",
      this.spec,
      props.environment.imageId,
      { secret: () => Token.asString(Fn.lookup(refs.tokens.value, this.spec.name)), seeder: refs.seederScript, network: refs.networkName },
      { dependsOn: props.dependsOn ? [...props.dependsOn] : undefined, provider: refs.provider, lifecycle: { replaceTriggeredBy: [...refs.networkTriggers] } },
    );
    this.container = declared.container;
    this.start = declared.start;
  }
}
