import type { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { declareContainer, type StartResource } from "./container";
import { type HomeGroup, homesContainer } from "../src/container/container";
import type { Environment } from "./environment";
import type { HostModel } from "../src/model/model";
import type { HostHomes } from "./parts";
import type { HostRefs } from "./workspace";

export interface HomesProps {
  readonly host: HostModel;
  readonly group: HomeGroup;
  /** Environment constructs by environment name. */
  readonly environments: ReadonlyMap<string, Environment>;
  readonly refs: HostRefs;
  /**
   * The image's id where another group of the same image (split, above 16 users)
   * declared it already; else an environment's, or a docker_image of its own.
   */
  readonly imageId?: string;
}

/** The one-shot container that makes the homes of one home image's users, and the start that runs it. */
export class Homes extends Construct implements HostHomes {
  readonly group: HomeGroup;
  readonly container: Container;
  readonly start: StartResource;
  /** What the group's workspaces wait for: the one-shot has run. */
  readonly ready: ITerraformDependable;
  /** The id of the image it runs: another group of the same image runs the same. */
  readonly imageId: string;

  constructor(scope: Construct, id: string, props: HomesProps) {
    super(scope, id);
    const { host, group, refs } = props;
    this.group = group;
    const env = [...props.environments.values()].find((e) => e.environment.image === group.image);
    const imageId = env ? env.imageId : (props.imageId ?? new Image(this, "image", { name: group.image, keepLocally: true, provider: refs.provider }).imageId);
    this.imageId = imageId;
    const declared = declareContainer(
      this,
      "container",
      homesContainer(host, group),
      imageId,
      { homeScript: refs.homeScript },
      // It only has to have run: a new image for the environment it borrows must not
      // replace it (and show up in every upgrade's plan).
      { lifecycle: { ignoreChanges: ["image"] }, provider: refs.provider },
    );
    this.container = declared.container;
    // It runs as root: always created stopped and run by its start.
    this.start = declared.start!;
    this.ready = declared.ready;
  }
}
