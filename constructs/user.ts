import type { Container } from "@cdktf/provider-docker/lib/container";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { StartResource } from "./container";
import type { Environment } from "./environment";
import type { HostModel, UserModel } from "../src/model/model";
import { workspacesOf } from "../src/model/workspaces";
import type { Homes } from "./homes";
import type { HostUser } from "./parts";
import { type HostRefs, Workspace } from "./workspace";

export interface UserProps {
  readonly host: HostModel;
  readonly user: UserModel;
  /** Environment constructs by environment name. */
  readonly environments: ReadonlyMap<string, Environment>;
  readonly refs: HostRefs;
  /** The one-shot that makes the user's home, shared with the other users of its image; undefined where nothing is made. */
  readonly homes?: Homes;
}

/** One host account: its workspaces, which wait for the one-shot that makes its home. */
export class User extends Construct implements HostUser {
  readonly user: UserModel;
  /** Undefined when the user has no workspace (nothing needs the home). */
  readonly home?: Container;
  readonly homeStart?: StartResource;
  /** Workspaces by environment name. */
  readonly workspaces: ReadonlyMap<string, Workspace>;

  constructor(scope: Construct, id: string, props: UserProps) {
    super(scope, id);
    const { host, user, homes } = props;
    this.user = user;
    this.home = homes?.container;
    this.homeStart = homes?.start;
    // What the workspaces wait for: the home made (its one-shot has run).
    const homeMade: ITerraformDependable | undefined = homes?.ready;
    const workspaces = new Map<string, Workspace>();
    for (const ws of workspacesOf(host, user.name)) {
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
