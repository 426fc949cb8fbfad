import type { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { declareContainer, type StartResource } from "./container";
import { homeInitContainer, homeInitImage } from "../src/container/container";
import type { Environment } from "./environment";
import type { HostModel, UserModel } from "../src/model/model";
import { workspacesOf } from "../src/model/workspaces";
import type { HostUser } from "./parts";
import { type HostRefs, Workspace } from "./workspace";

export interface UserProps {
  readonly host: HostModel;
  readonly user: UserModel;
  /** Environment constructs by environment name. */
  readonly environments: ReadonlyMap<string, Environment>;
  readonly refs: HostRefs;
}

/** One host account: the container that creates its home if missing, and its workspaces. */
export class User extends Construct implements HostUser {
  readonly user: UserModel;
  /** Undefined when the user has no workspace (nothing needs the home). */
  readonly home?: Container;
  readonly homeStart?: StartResource;
  /** Workspaces by environment name. */
  readonly workspaces: ReadonlyMap<string, Workspace>;

  constructor(scope: Construct, id: string, props: UserProps) {
    super(scope, id);
    const { host, user } = props;
    this.user = user;
    const mine = workspacesOf(host, user.name);
    const image = homeInitImage(host, user);
    // What the workspaces wait for: the home made (its one-shot has run).
    let homeMade: ITerraformDependable | undefined;
    if (image !== undefined && mine.length > 0) {
      const env = [...props.environments.values()].find((e) => e.environment.image === image);
      const imageId = env ? env.imageId : new Image(this, "home-image", { name: image, keepLocally: true, provider: props.refs.provider }).imageId;
      const home = declareContainer(
        this,
        "home",
        homeInitContainer(host, user, image),
        imageId,
        { homeScript: props.refs.homeScript },
        // It only has to have run once: a new image for the environment it borrows
        // must not replace it (and show up in every upgrade's plan).
        { lifecycle: { ignoreChanges: ["image"] }, provider: props.refs.provider },
      );
      this.home = home.container;
      this.homeStart = home.start;
      homeMade = home.ready;
    }
    const workspaces = new Map<string, Workspace>();
    for (const ws of mine) {
      const environment = props.environments.get(ws.environment.name)!;
      workspaces.set(
        ws.environment.name,
        new Workspace(this, ws.environment.name, {
          host,
          workspace: ws,
          environment,
          refs: props.refs,
          dependsOn: homeMade ? [homeMade] : undefined,
        }),
      );
    }
    this.workspaces = workspaces;
  }
}
