import { Container } from "@cdktf/provider-docker/lib/container";
import type { Network } from "@cdktf/provider-docker/lib/network";
import type { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import {
  anyToHclTerraform,
  anyToTerraform,
  hashMapper,
  hashMapperHcl,
  type ITerraformDependable,
  type LocalExecProvisioner,
  TerraformLocal,
  TerraformResource,
  TerraformStack,
} from "cdktf";
import type { Construct } from "constructs";
import type { ContainerSpec } from "../src/container/container";
import { containerConfig, literal, type ResourceMeta, type SpecExpressions, START_SCRIPT, startConfig, startsStopped } from "../src/render/terraform";

/** A docker_container, with the terraform_data that starts it where it runs as root. */
export interface DeclaredContainer {
  readonly container: Container;
  /** Where the container runs as root: what gives it its process limit and starts it (waits for a one-shot). */
  readonly start?: StartResource;
  /** What a resource that needs the container started (a one-shot: run) depends on. */
  readonly ready: ITerraformDependable;
}

/** Provider settings the docker CLI cannot take from the environment. */
const CLI_CANNOT = ["caMaterial", "certMaterial", "keyMaterial", "sshOpts"] as const;

/**
 * `id`, a docker_container for `spec`; where it runs as root, also `<id>-start`, the
 * terraform_data that gives it the cgroup's process limit before its first process
 * (src/render/terraform.ts: startConfig). `meta.provider` is required: the start reaches
 * the engine that provider does.
 */
export function declareContainer(
  scope: Construct,
  id: string,
  spec: ContainerSpec,
  image: string,
  expressions: SpecExpressions,
  meta: ResourceMeta & { readonly provider: DockerProvider },
): DeclaredContainer {
  const container = new Container(scope, id, containerConfig(spec, image, expressions, meta));
  if (!startsStopped(spec)) return { container, ready: container };
  const { provider } = meta;
  const set = CLI_CANNOT.find((key) => provider[key] !== undefined);
  if (set !== undefined) {
    throw new Error(
      `${scope.node.path}/${id}: provider: ${set} is set, which the docker CLI that starts the root containers (with their process limit) cannot take; expected certPath, or ssh options in ~/.ssh/config`,
    );
  }
  const endpoint = { host: provider.host, context: provider.context, certPath: provider.certPath };
  const start = new StartResource(scope, `${id}-start`, startConfig(spec, container.id, endpoint, startScript(scope)));
  return { container, start, ready: start };
}

/**
 * A terraform_data (Terraform's own resource, 1.4 or later) that starts a root container:
 * what cdktf's StartResource writes, without the check StartResource adds, which runs
 * `terraform version` at synth once per resource (one per user's home: 667 of them took
 * a synth of 1,000 workspaces from 6 s to 55 s) and fails a synth where Terraform is
 * not installed.
 */
export class StartResource extends TerraformResource {
  private readonly triggers: Readonly<Record<string, unknown>>;

  constructor(
    scope: Construct,
    id: string,
    config: { readonly triggersReplace: Readonly<Record<string, unknown>>; readonly provisioners: LocalExecProvisioner[] },
  ) {
    super(scope, id, { terraformResourceType: "terraform_data", terraformGeneratorMetadata: { providerName: "terraform" }, provisioners: config.provisioners });
    this.triggers = config.triggersReplace;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { triggers_replace: hashMapper(anyToTerraform)(this.triggers) };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return { triggers_replace: hashMapperHcl(anyToHclTerraform)(this.triggers) };
  }
}

/**
 * What a container's replace_triggered_by names for `network`: the network, and
 * `<network>-id`, a terraform_data beside it that holds the network's id. Terraform
 * replaces a container for a trigger that is updated or replaced, never for one that is
 * created. The network covers its replacement for a new setting (also on a host deployed
 * before this resource was, where it is created with that replacement). The id covers a
 * network removed by hand: gone from the state at the next refresh, the network is
 * created again, with a new id, which updates this resource and replaces what was on it.
 */
export function networkTriggers(network: Network): [string, string] {
  const held = new NetworkIdResource(network.node.scope!, `${network.node.id}-id`, network.id);
  return [addressOf(network), addressOf(held)];
}

/** A resource's plain Terraform address, as replace_triggered_by takes it (it refuses an interpolation). */
export function addressOf(resource: TerraformResource): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}

/** A terraform_data whose input is a network's id (networkTriggers). */
class NetworkIdResource extends TerraformResource {
  constructor(
    scope: Construct,
    id: string,
    private readonly networkId: string,
  ) {
    super(scope, id, { terraformResourceType: "terraform_data", terraformGeneratorMetadata: { providerName: "terraform" } });
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { input: anyToTerraform(this.networkId) };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return { input: anyToHclTerraform(this.networkId) };
  }
}

/** The start script as one local of the stack, however many root containers run it (a copy per user's home would grow a large plan). */
function startScript(scope: Construct): string {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(START_LOCAL) as TerraformLocal | undefined;
  if (existing !== undefined) return existing.asString;
  const local = new TerraformLocal(stack, START_LOCAL, literal(START_SCRIPT));
  local.overrideLogicalId(START_LOCAL);
  return local.asString;
}

const START_LOCAL = "homedock_start";
