import type { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import type { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { Construct } from "constructs";
import { addressOf, type DeclaredContainer, declareContainer, networkTriggers, type StartResource } from "./container";
import type { HostModel } from "../src/model/model";
import { LABEL_HOST } from "../src/container/container";
import { frontDoorSetupContainer, frontDoorVolumes, loginEgressNetwork, loginNetwork, proxyContainer } from "../src/container/front-door-containers";
import { NETWORK_OPTIONS } from "../src/container/network";
import { literal } from "../src/render/terraform";
import { dockerFilterContainer, dockerFilterVolume, idleWorkspaces } from "../src/container/docker-filter";
import { frontDoorConfigFiles, loginContainers } from "../src/container/login";
import { Network } from "@cdktf/provider-docker/lib/network";
import * as path from "node:path";
import type { HostFrontDoor } from "./parts";

export interface FrontDoorProps {
  readonly host: HostModel;
  /** The expression of one of the front door's config files (the Caddyfile, the login's files): a sensitive variable's entry. */
  readonly configFile: (name: string) => string;
  /** The workspaces' network's name, as a reference: the proxy joins it. */
  readonly networkName: string;
  /** What replace_triggered_by names for it: the proxy is replaced with it (see HostRefs). */
  readonly networkTriggers: readonly string[];
  /** The provider every resource of the host is created with. */
  readonly provider: DockerProvider;
}

/**
 * The proxy in front of every workspace, and its login. Their config files reach them
 * through a one-shot setup container that receives them (uploads from the sensitive
 * variable) and writes them into a volume the proxy and the login watch: a changed route
 * table or password replaces that one-shot and reloads Caddy, and the proxy container
 * itself stays. The login's containers are on a network of their own with the proxy;
 * they are replaced with the setup (a new client secret is read at start).
 */
export class FrontDoor extends Construct implements HostFrontDoor {
  readonly proxy: Container;
  readonly proxyStart: StartResource;
  readonly setup: Container;
  readonly setupStart: StartResource;
  /** Caddy's data directory (certificates, its local CA): survives replacement of the proxy. */
  readonly data: Volume;
  readonly config: Volume;
  /** Undefined where no workspace stops when idle. */
  readonly dockerFilter?: Container;
  readonly dockerFilterStart?: StartResource;
  /** The login's session check and sign-in, and with a password login the sign-in's limiter. */
  readonly login: readonly Container[];
  /** The network the proxy and the login share, and no one else. */
  readonly loginNetwork: Network;

  constructor(scope: Construct, id: string, props: FrontDoorProps) {
    super(scope, id);
    const { host, provider } = props;
    const names = frontDoorVolumes(host);
    const labels = [{ label: LABEL_HOST, value: host.name }];
    this.data = new Volume(this, "data", { name: names.data, labels, provider });
    this.config = new Volume(this, "config", { name: names.config, labels, provider });
    const filterVolume =
      idleWorkspaces(host).length > 0 ? new Volume(this, "docker-filter-socket", { name: dockerFilterVolume(host), labels, provider }) : undefined;
    const volume = (name: string) => (name === names.data ? this.data.name : name === names.config ? this.config.name : filterVolume!.name);
    const image = new Image(this, "image", { name: literal(host.frontDoor!.image), keepLocally: true, provider });
    const setup = declareContainer(
      this,
      "setup",
      frontDoorSetupContainer(host, frontDoorConfigFiles(host)),
      image.imageId,
      {
        secretFile: (file) => props.configFile(path.posix.basename(file)),
        volume,
      },
      { provider },
    );
    this.setup = setup.container;
    this.setupStart = started(setup);
    // The only holder of the Docker socket: it lets the proxy's wake route start a
    // workspace that stops when idle, and nothing else.
    const filter =
      filterVolume === undefined ? undefined : declareContainer(this, "docker-filter", dockerFilterContainer(host), image.imageId, { volume }, { provider });
    this.dockerFilter = filter?.container;
    this.dockerFilterStart = filter === undefined ? undefined : started(filter);
    // The proxy and the login's containers, and nothing else; no way out.
    this.loginNetwork = new Network(this, "login-network", { name: loginNetwork(host), internal: true, labels, provider });
    const loginNetworkTriggers = networkTriggers(this.loginNetwork);
    // An OpenID Connect login's sign-in's way out to its provider.
    const egress =
      host.frontDoor!.login.method === "oidc"
        ? new Network(this, "login-egress-network", { name: loginEgressNetwork(host), labels, provider, options: { ...NETWORK_OPTIONS } })
        : undefined;
    const egressTriggers = egress === undefined ? [] : networkTriggers(egress);
    const extraNetwork = (name: string) => (name === loginNetwork(host) ? this.loginNetwork.name : egress!.name);
    const proxy = declareContainer(
      this,
      "proxy",
      proxyContainer(host, { volume: names.config }),
      image.imageId,
      { volume, network: props.networkName, extraNetwork },
      // The setup makes the socket tree the proxy mounts.
      { dependsOn: [this.setupStart], provider, lifecycle: { replaceTriggeredBy: [...props.networkTriggers, ...loginNetworkTriggers] } },
    );
    this.proxy = proxy.container;
    this.proxyStart = started(proxy);
    const loginImage = new Image(this, "login-image", { name: literal(host.frontDoor!.login.image), keepLocally: true, provider });
    const setupAddress = addressOf(this.setup);
    const [check, signIn, limiter] = loginContainers(host, { volume: names.config });
    const login = [check, signIn].map(
      (spec, i) =>
        declareContainer(
          this,
          i === 0 ? "login" : "signin",
          spec,
          loginImage.imageId,
          { volume, network: this.loginNetwork.name, extraNetwork },
          // Replaced with the setup: a new client secret is read at start.
          {
            dependsOn: [this.setupStart],
            provider,
            lifecycle: { replaceTriggeredBy: [setupAddress, ...loginNetworkTriggers, ...(spec.extraNetworks === undefined ? [] : egressTriggers)] },
          },
        ).container,
    );
    if (limiter !== undefined) {
      const limiterImage = new Image(this, "signin-limit-image", { name: literal(limiter.image), keepLocally: true, provider });
      // Replaced when its config changes (a label holds the config's hash), after the setup has put the new one in place.
      login.push(
        declareContainer(
          this,
          "signin-limit",
          limiter,
          limiterImage.imageId,
          { volume, network: this.loginNetwork.name },
          { dependsOn: [this.setupStart], provider, lifecycle: { replaceTriggeredBy: [...loginNetworkTriggers] } },
        ).container,
      );
    }
    this.login = login;
  }
}

/** The start of a container of the front door's, which all run as root with a process limit. */
function started(declared: DeclaredContainer): StartResource {
  if (declared.start === undefined) throw new Error(`${declared.container.node.path}: expected a root container with a process limit`);
  return declared.start;
}
