import { Image } from "@cdktf/provider-docker/lib/image";
import type { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Construct } from "constructs";
import type { EnvironmentModel } from "../src/model/model";
import { literal } from "../src/render/terraform";
import type { HostEnvironment } from "./parts";

export interface EnvironmentProps {
  /** The environment, from the model. */
  readonly environment: EnvironmentModel;
  /**
   * The provider its image is created with.
   * @default the stack's Docker provider without an alias
   */
  readonly provider?: DockerProvider;
}

/** One environment: its docker_image, kept on the host when the environment goes away. */
export class Environment extends Construct implements HostEnvironment {
  readonly environment: EnvironmentModel;
  readonly image: Image;
  /** The image's id as a Terraform reference, made once for all its workspaces. */
  readonly imageId: string;

  constructor(scope: Construct, id: string, props: EnvironmentProps) {
    super(scope, id);
    this.environment = props.environment;
    // keepLocally: removing an environment must not delete an image other hosts or
    // users may still run.
    this.image = new Image(this, "image", { name: literal(props.environment.image), keepLocally: true, provider: props.provider });
    this.imageId = this.image.imageId;
  }
}
