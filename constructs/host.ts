import { Network } from "@cdktf/provider-docker/lib/network";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Annotations, Fn, TerraformLocal, TerraformStack, TerraformVariable, Token } from "cdktf";
import { Construct } from "constructs";
import type { ConfigInput } from "../src/config/schema";
import { HOME_SCRIPT, homeGroups, LABEL_HOST, SEEDER_SCRIPT } from "../src/container/container";
import { networkTriggers } from "./container";
import { Environment } from "./environment";
import { FrontDoor } from "./front-door";
import { NETWORK_OPTIONS } from "../src/container/network";
import { buildModel, type HostModel } from "../src/model/model";
import { terraformModel } from "../src/model/terraform-swarm";
import { swarmServiceName } from "../src/model/swarm";
import { preflight } from "../src/preflight/preflight";
import { literal } from "../src/render/terraform";
import { Homes } from "./homes";
import type { HostEnvironment, HostFrontDoor, HostHomes, HostService, HostSwarmFrontDoor, HostUser } from "./parts";
import { WorkspaceService } from "./service";
import { SwarmFrontDoor } from "./swarm-door";
import { User } from "./user";
import type { HostRefs } from "./workspace";

/** The Docker provider version homedock's output is tested against (see README). */
export const DOCKER_PROVIDER_VERSION = "4.5.0";

/**
 * The Docker provider's full address. Terraform reads the short "kreuzwerker/docker" as
 * registry.terraform.io/..., OpenTofu as registry.opentofu.org/...; spelled out, state,
 * lock file and provider mirror hold the same address whichever of the two runs.
 */
export const DOCKER_PROVIDER_SOURCE = "registry.terraform.io/kreuzwerker/docker";

/** The Terraform variable holding the workspace tokens of every Host in a stack. */
export const TOKENS_VARIABLE = "workspace_tokens";
/** The Terraform variable holding the front door's config files (the Caddyfile, the login's files and secrets), by "<host>/<file>". */
export const FRONTDOOR_FILES_VARIABLE = "frontdoor_files";

/** How a Host reaches Docker; the same whether it is given a config or a model. */
export interface HostOptions {
  /**
   * The Docker provider every resource of the host is created with: give one to
   * deploy to a remote engine (`host: "ssh://admin@lab"`), with registry auth, or
   * under an alias (two engines from one stack). It must be in the Host's stack.
   * @defaultValue the stack's Docker provider without an alias; one is created (from
   * DOCKER_HOST and the usual environment) if the stack has none
   */
  readonly provider?: DockerProvider;
}

/** What a config file says, given in code and validated and checked exactly as a file is, plus how to reach Docker. */
export interface HostProps extends Readonly<ConfigInput>, HostOptions {}

/** A model that is already built (`loadConfig`, `buildModel`), plus how to reach Docker: not validated or checked again. */
export interface HostModelProps extends HostOptions {
  /** The host's model, valid as `buildModel` makes it. */
  readonly model: HostModel;
}

/**
 * A multi-user Docker host: its network, one image per environment, and per user a
 * home and one workspace container per environment the user may use. Any number per
 * stack, each with its own host name (or its own provider). With a swarm section, a
 * Swarm through a manager's engine: one service per workspace on its user's node, and
 * with a front door its services, overlays and files as the stack file has them;
 * nothing else (no network for the workspaces, no images, homes or users).
 */
export class Host extends Construct {
  /**
   * A Host from a model that is already built (`loadConfig`, `buildModel`), without
   * validating it again or running the preflight (`preflight(model)` does that).
   */
  static fromModel(scope: Construct, id: string, model: HostModel, options: HostOptions = {}): Host {
    return new Host(scope, id, { ...options, model });
  }

  /** What the Host declares, as built from its props. */
  readonly model: HostModel;
  /** The provider every resource of this host is created with. */
  readonly provider: DockerProvider;
  /** The workspaces' network, named after the host; undefined on a Swarm (each node's bridge). */
  readonly network?: Network;
  /** By environment name. */
  readonly environments: ReadonlyMap<string, HostEnvironment>;
  /**
   * The one-shot containers that make missing homes, one per home image (`host.initImage`,
   * else a user's first environment's image), by key: `homes` for initImage, else
   * `homes-<environment>` for the first environment with the image; an image with more
   * than 16 users has eight, `<key>.<n>` (see homeGroups).
   */
  readonly homes: ReadonlyMap<string, HostHomes>;
  /** By user name; empty on a Swarm (see `services`). */
  readonly users: ReadonlyMap<string, HostUser>;
  /** On a Swarm, each workspace's service by its name in the stack file (`<user>--<environment>`); empty on one host. */
  readonly services: ReadonlyMap<string, HostService>;
  /**
   * The stack's workspace tokens by container name (`<host>-<user>.<environment>`):
   * a sensitive input shared by every Host in the stack, never in the synthesized JSON.
   */
  readonly tokens: TerraformVariable;
  /** Undefined when the config has no frontDoor, and on a Swarm (see `swarmFrontDoor`). */
  readonly frontDoor?: HostFrontDoor;
  /** On a Swarm with a frontDoor: the entry proxy, each node's proxy and the login as services; undefined otherwise. */
  readonly swarmFrontDoor?: HostSwarmFrontDoor;

  /**
   * A Host from a config (validated, and checked on this machine by the preflight,
   * exactly as `homedock synth` does a config file) or from a ready model (`{ model }`,
   * neither again). Config warnings (allowed but probably not meant) become warning
   * annotations on the Host, which the cdktf CLI shows at synth.
   * @throws ConfigError when the props are not a valid config, or name TLS files this machine, the Docker host, does not have
   */
  constructor(scope: Construct, id: string, props: HostProps | HostModelProps) {
    super(scope, id);
    // The props are validated before the stack is looked at; the provider (given, or the
    // stack's) says whether the preflight looks on this machine.
    const provider = () => props.provider ?? unaliasedProvider(TerraformStack.of(this));
    this.model = terraformModel("model" in props ? readyModel(this, props) : checkedModel(configOf(props), provider));
    for (const warning of this.model.warnings) Annotations.of(this).addWarning(warning);
    const stack = TerraformStack.of(this);
    this.provider = provider() ?? new DockerProvider(stack, "docker", {});
    if (TerraformStack.of(this.provider) !== stack) {
      throw new Error(
        `Host ${this.node.path}: provider: got a DockerProvider of stack ${TerraformStack.of(this.provider).node.path}; expected one in stack ${stack.node.path}`,
      );
    }
    stack.addOverride("terraform.required_providers.docker", {
      source: DOCKER_PROVIDER_SOURCE,
      version: DOCKER_PROVIDER_VERSION,
    });
    this.tokens = sensitiveMap(
      stack,
      TOKENS_VARIABLE,
      'Jupyter token of each workspace, by container name "<host>-<user>.<environment>" (homedock synth writes them to terraform.tfvars.json)',
    );
    // One copy of the seeder in the plan, however many workspaces and hosts run it.
    const seeder = stackSingleton(stack, "homedock_seeder", () => {
      const local = new TerraformLocal(stack, "homedock_seeder", literal(SEEDER_SCRIPT));
      local.overrideLogicalId("homedock_seeder");
      return local;
    });
    if (this.model.swarm !== undefined) {
      // Each node has or pulls its images; the homes are made with the accounts.
      this.environments = new Map();
      this.homes = new Map();
      this.users = new Map();
      const { model, tokens, provider: p } = this;
      this.services = new Map(
        model.workspaces.map((ws) => {
          const name = swarmServiceName(ws.user.name, ws.environment.name);
          return [name, new WorkspaceService(this, `svc-${name}`, { host: model, workspace: ws, seederScript: seeder.asString, tokens, provider: p })];
        }),
      );
      if (model.frontDoor !== undefined) {
        const files = frontDoorFilesVariable(stack);
        this.swarmFrontDoor = new SwarmFrontDoor(this, "frontdoor", {
          host: model,
          configFile: (name) => Token.asString(Fn.lookup(files.value, `${model.name}/${name}`)),
          provider: p,
        });
      }
      return;
    }
    this.services = new Map();
    this.network = new Network(this, "network", {
      name: this.model.network,
      labels: [{ label: LABEL_HOST, value: this.model.name }],
      provider: this.provider,
      options: { ...NETWORK_OPTIONS },
    });

    const environments = new Map(
      this.model.environments.map((e) => [e.name, new Environment(this, `env-${e.name}`, { environment: e, provider: this.provider })]),
    );
    this.environments = environments;
    // What each container on the network is replaced with.
    const triggers = networkTriggers(this.network);
    // And of the home one-shots' script: a copy per user was half of a large plan.
    const homeScript = stackSingleton(stack, "homedock_home", () => {
      const local = new TerraformLocal(stack, "homedock_home", literal(HOME_SCRIPT));
      local.overrideLogicalId("homedock_home");
      return local;
    });
    const refs: HostRefs = {
      networkName: this.network.name,
      networkTriggers: triggers,
      seederScript: seeder.asString,
      homeScript: homeScript.asString,
      tokens: this.tokens,
      provider: this.provider,
    };
    if (this.model.frontDoor !== undefined) {
      const files = frontDoorFilesVariable(stack);
      this.frontDoor = new FrontDoor(this, "frontdoor", {
        host: this.model,
        configFile: (name) => Token.asString(Fn.lookup(files.value, `${this.model.name}/${name}`)),
        networkName: this.network.name,
        networkTriggers: triggers,
        provider: this.provider,
      });
    }
    const groups = homeGroups(this.model);
    // One docker_image per image: the groups an image is split in share the first one's.
    const imageIds = new Map<string, string>();
    const homes = new Map(
      groups.map((g) => {
        const made = new Homes(this, g.key, { host: this.model, group: g, environments, refs, imageId: imageIds.get(g.image) });
        imageIds.set(g.image, made.imageId);
        return [g.key, made] as const;
      }),
    );
    this.homes = homes;
    const homesOf = new Map(groups.flatMap((g) => g.users.map((u) => [u.name, homes.get(g.key)!] as const)));
    this.users = new Map(
      this.model.users.map((u) => [
        u.name,
        new User(this, `user-${u.name}`, {
          host: this.model,
          user: u,
          environments,
          refs,
          homes: homesOf.get(u.name),
        }),
      ]),
    );
  }
}

/** The config in a Host's props: all but the provider. */
function configOf(props: HostProps): ConfigInput {
  const { provider: _, ...config } = props;
  return config;
}

/** The model of `{ model, provider }`; anything more is a config given beside it, which would be ignored. */
function readyModel(host: Host, props: HostModelProps): HostModel {
  const { model, provider: _, ...rest } = props;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new Error(`Host ${host.node.path}: props: got a model and ${extra.join(", ")}; expected a model or a config, not both`);
  return model;
}

/**
 * The config's model, after the preflight looks on this machine for what it names where
 * the provider's engine is this machine's: its own host, else DOCKER_HOST (as the
 * provider reads it). A host that is a Terraform expression is not known here: not looked at.
 */
function checkedModel(config: ConfigInput, provider: () => DockerProvider | undefined): HostModel {
  const model = buildModel(config);
  const host = provider()?.host;
  preflight(model, host === undefined || host === "" ? {} : { env: { DOCKER_HOST: host } });
  return model;
}

/** The stack's Docker provider without an alias, if it has one (two providers without an alias are a Terraform error: a Host makes one only where there is none). */
function unaliasedProvider(stack: TerraformStack): DockerProvider | undefined {
  return stack.node.findAll().find((c): c is DockerProvider => c instanceof DockerProvider && c.alias === undefined);
}

/** The stack's child `id`, made by `make` if it is not there yet: what every Host in the stack shares. */
function stackSingleton<T extends Construct>(stack: TerraformStack, id: string, make: () => T): T {
  return (stack.node.tryFindChild(id) as T | undefined) ?? make();
}

/** The stack's sensitive variable of the front door's files, shared by every host in it. */
function frontDoorFilesVariable(stack: TerraformStack): TerraformVariable {
  return sensitiveMap(
    stack,
    FRONTDOOR_FILES_VARIABLE,
    "The front door's config files of each host (its Caddyfile, its login's password file and secrets), by \"<host>/<file>\" (homedock synth writes them to terraform.tfvars.json)",
  );
}

/** The stack's sensitive map(string) variable `name` (its Terraform name too), shared by every host in it. */
function sensitiveMap(stack: TerraformStack, name: string, description: string): TerraformVariable {
  return stackSingleton(stack, name, () => {
    const variable = new TerraformVariable(stack, name, { type: "map(string)", sensitive: true, description });
    variable.overrideLogicalId(name);
    return variable;
  });
}
