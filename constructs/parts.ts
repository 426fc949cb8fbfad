import type { Container } from "@cdktf/provider-docker/lib/container";
import type { Image } from "@cdktf/provider-docker/lib/image";
import type { Network } from "@cdktf/provider-docker/lib/network";
import type { Secret } from "@cdktf/provider-docker/lib/secret";
import type { Service } from "@cdktf/provider-docker/lib/service";
import type { Volume } from "@cdktf/provider-docker/lib/volume";
import type { TerraformResource } from "cdktf";
import type { IConstruct } from "constructs";
import type { ContainerSpec, HomeGroup } from "../src/container/container";
import type { EnvironmentModel, UserModel } from "../src/model/model";

// What a Host shows of the constructs it makes: read-only views of their resources. The
// constructs themselves are internal (their props are Terraform references a Host makes
// once and shares); only a Host makes them.

/** One environment of a Host (`host.environments`): its docker_image. */
export interface HostEnvironment extends IConstruct {
  /** The environment, from the model. */
  readonly environment: EnvironmentModel;
  /** Its docker_image, kept on the Docker host when the environment goes away. */
  readonly image: Image;
  /** The image's id as a Terraform reference, made once for all its workspaces. */
  readonly imageId: string;
}

/** One user in one environment (`user.workspaces`): one docker_container. */
export interface HostWorkspace extends IConstruct {
  /** The container as every renderer sees it. */
  readonly spec: ContainerSpec;
  /** Its docker_container. */
  readonly container: Container;
  /**
   * Where it runs as root (`allowRoot`): the terraform_data that gives it its process
   * limit, then starts it (see `HostUser.homeStart`).
   */
  readonly start?: TerraformResource;
}

/**
 * The one-shot that makes the missing homes of the users of one home image
 * (`host.homes`): every home is bound alone, and only that image's users' homes.
 */
export interface HostHomes extends IConstruct {
  /** Its users, its image and its names. */
  readonly group: HomeGroup;
  /** The container; it runs as root, so it is only created here: `start` runs it. */
  readonly container: Container;
  /**
   * The terraform_data that gives the container its process limit (the cgroup's: the
   * kernel never holds root to RLIMIT_NPROC, and the provider has no pids_limit), then
   * runs it and waits for it: depend on this, not on `container`, for the homes to exist.
   */
  readonly start: TerraformResource;
}

/** One host account (`host.users`): its workspaces, and the one-shot that creates its home if missing. */
export interface HostUser extends IConstruct {
  /** The user, from the model. */
  readonly user: UserModel;
  /**
   * The container that makes the user's home, shared with the other users of the same
   * home image (`host.homes`). Undefined when the user has no workspace (nothing needs
   * the home). It runs as root, so it is only created here: `homeStart` runs it.
   */
  readonly home?: Container;
  /**
   * Its start (`HostHomes.start`), which gives it its process limit, then runs it and
   * waits for it: depend on this, not on `home`, for the home to exist.
   */
  readonly homeStart?: TerraformResource;
  /** Workspaces by environment name. */
  readonly workspaces: ReadonlyMap<string, HostWorkspace>;
}

/** The proxy in front of every workspace of a Host (`host.frontDoor`). */
export interface HostFrontDoor extends IConstruct {
  /** The Caddy proxy; it runs as root, so it is only created here: `proxyStart` starts it. */
  readonly proxy: Container;
  /** The terraform_data that gives the proxy its process limit (`frontDoor.pidsLimit`), then starts it. */
  readonly proxyStart: TerraformResource;
  /** The one-shot that writes the Caddyfile into the `config` volume the proxy watches; `setupStart` runs it. */
  readonly setup: Container;
  /** The terraform_data that gives the setup its process limit, then runs it and waits for it. */
  readonly setupStart: TerraformResource;
  /** Caddy's data directory (certificates, its local CA): survives replacement of the proxy. */
  readonly data: Volume;
  /** The Caddyfile's volume. */
  readonly config: Volume;
  /** The one holder of the Docker socket, which wakes idle workspaces; undefined where no workspace stops when idle. */
  readonly dockerFilter?: Container;
  /** The terraform_data that gives the Docker filter its process limit, then starts it. */
  readonly dockerFilterStart?: TerraformResource;
}

/** One user in one environment on a Swarm (`host.services`): one docker_service. */
export interface HostService extends IConstruct {
  /** The container as every renderer sees it. */
  readonly spec: ContainerSpec;
  /** The node it runs on: its user's. */
  readonly swarmNode: string;
  /** Its docker_service: one replica, on that node. */
  readonly service: Service;
}

/** The front door across a Swarm's nodes (`host.swarmFrontDoor`): the stack file's, as Terraform resources. */
export interface HostSwarmFrontDoor extends IConstruct {
  /** Its overlays by name: the entry's, the proxies', the login's (and an OpenID Connect sign-in's way out). */
  readonly networks: ReadonlyMap<string, Network>;
  /** Each file a service reads (Caddyfiles, certificates, the login's files) as a docker_secret named by its content's hash, by file name. */
  readonly secrets: ReadonlyMap<string, Secret>;
  /** The entry proxy, each node's proxy and the login's services, by their name in the stack file. */
  readonly services: ReadonlyMap<string, Service>;
}
