import { Network } from "@cdktf/provider-docker/lib/network";
import type { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Secret } from "@cdktf/provider-docker/lib/secret";
import { Service } from "@cdktf/provider-docker/lib/service";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { LABEL_HOST } from "../src/container/common";
import { LOGIN_FILES } from "../src/container/login";
import { doorNetworks as overlays, doorServices } from "../src/container/swarm-door";
import type { HostModel } from "../src/model/model";
import { scopedServiceName } from "../src/model/swarm";
import { doorNetworks, doorServiceConfig, SERVICE_INIT, SERVICE_NETWORKS } from "../src/render/service";
import type { HostSwarmFrontDoor } from "./parts";

export interface SwarmFrontDoorProps {
  readonly host: HostModel;
  /** The expression of one of the front door's files (a Caddyfile, a certificate, the login's files): a sensitive variable's entry. */
  readonly configFile: (name: string) => string;
  /** The provider every resource of the host is created with: a manager's engine. */
  readonly provider: DockerProvider;
}

/**
 * The front door across a Swarm's nodes, as the stack file has it (src/container/swarm-door.ts):
 * its overlays, each file a docker_secret named by its content's hash (a changed file is
 * a new secret, made before the old one goes, which restarts only the services that read
 * it), and a docker_service each for the entry proxy, each node's proxy and the login.
 */
export class SwarmFrontDoor extends Construct implements HostSwarmFrontDoor {
  readonly networks: ReadonlyMap<string, Network>;
  readonly secrets: ReadonlyMap<string, Secret>;
  readonly services: ReadonlyMap<string, Service>;

  constructor(scope: Construct, id: string, props: SwarmFrontDoorProps) {
    super(scope, id);
    const { host, provider } = props;
    const labels = [{ label: LABEL_HOST, value: host.name }];
    this.networks = new Map(
      overlays(host).map((n) => [
        n.name,
        new Network(this, `network-${n.name}`, { name: n.name, driver: "overlay", internal: n.internal || undefined, labels, provider }),
      ]),
    );
    const doors = doorServices(host);
    const files = [...new Set(doors.flatMap((d) => d.secrets.map((f) => f.file)))].sort();
    // The names' hashes are keyed with the session cookie's secret (see secretName).
    const key = props.configFile(LOGIN_FILES.cookieSecret);
    this.secrets = new Map(
      files.map((file) => {
        const content = props.configFile(file);
        const secret = new Secret(this, `secret-${file}`, {
          name: secretName(host.name, file, content, key),
          data: Fn.base64encode(content),
          labels,
          provider,
          // Made before the old one is removed: Docker refuses to remove a secret a service still reads.
          lifecycle: { createBeforeDestroy: true },
        });
        return [file, secret];
      }),
    );
    this.services = new Map(
      doors.map((d) => {
        const service = new Service(
          this,
          `service-${d.service}`,
          doorServiceConfig(d, scopedServiceName(host.name, d.service), (file) => ({ id: this.secrets.get(file)!.id, name: this.secrets.get(file)!.name }), {
            provider,
          }),
        );
        service.addOverride(SERVICE_INIT, d.spec.init);
        service.addOverride(
          SERVICE_NETWORKS,
          doorNetworks(d, (name) => this.networks.get(name)!.id),
        );
        return [d.service, service];
      }),
    );
  }
}

/**
 * A docker_secret's name: a hash of the host, the file's name and its content (known to
 * Terraform, not to the synth: the content is a sensitive variable's), then the host's
 * and the file's names, at most 64 characters in all, ending in a letter or digit, as
 * Swarm wants them. The hash is keyed with `key`, a random secret of the host's (the
 * session cookie's): the name is in every plan's output, and an unkeyed hash of a weak
 * OpenID Connect client secret could be searched for.
 */
export function secretName(host: string, file: string, content: string, key: string): string {
  const hash = Fn.substr(Token.asString(Fn.nonsensitive(Fn.sha256(Fn.join("\n", [host, file, key, content])))), 0, 16);
  const tail = `-${host}-${file}`.slice(0, 64 - 16).replace(/[^A-Za-z0-9]+$/, "");
  return `${Token.asString(hash)}${tail}`;
}
