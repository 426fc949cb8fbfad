import type { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Service } from "@cdktf/provider-docker/lib/service";
import { Fn, type TerraformVariable, Token } from "cdktf";
import { Construct } from "constructs";
import { type ContainerSpec, workspaceContainer } from "../src/container/container";
import type { HostModel, WorkspaceModel } from "../src/model/model";
import { scopedServiceName, swarmServiceName } from "../src/model/swarm";
import { SERVICE_INIT, serviceConfig } from "../src/render/service";
import type { HostService } from "./parts";

export interface WorkspaceServiceProps {
  readonly host: HostModel;
  readonly workspace: WorkspaceModel;
  /** The seeder script as Terraform should see it (one shared local). */
  readonly seederScript: string;
  /** The stack's sensitive map of workspace tokens, by container name. */
  readonly tokens: TerraformVariable;
  /** The provider every resource of the host is created with: a manager's engine. */
  readonly provider: DockerProvider;
}

/** One user in one environment on a Swarm: one docker_service of one replica on the user's node. */
export class WorkspaceService extends Construct implements HostService {
  readonly spec: ContainerSpec;
  readonly swarmNode: string;
  readonly service: Service;

  constructor(scope: Construct, id: string, props: WorkspaceServiceProps) {
    super(scope, id);
    const { host, workspace: ws, tokens } = props;
    this.spec = workspaceContainer(host, ws);
    this.swarmNode = ws.user.node!;
    // The name `docker stack deploy` gives the stack file's service: the two deploys
    // of one host are one set of services, and neither can start a second server on a home.
    const name = scopedServiceName(host.name, swarmServiceName(ws.user.name, ws.environment.name));
    const secret = () => Token.asString(Fn.lookup(tokens.value, this.spec.name));
    this.service = new Service(
      this,
      "service",
      serviceConfig(this.spec, name, this.swarmNode, { secret, seeder: props.seederScript }, { provider: props.provider }),
    );
    this.service.addOverride(SERVICE_INIT, this.spec.init);
  }
}
