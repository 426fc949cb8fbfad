// The cdktf constructs: what a cdktf app declares a host with. Only Host is made by
// hand; the constructs it makes for environments, users, workspaces and the front
// door are internal and shown through the read-only views of ./parts.
export {
  FRONTDOOR_FILES_VARIABLE,
  DOCKER_PROVIDER_SOURCE,
  DOCKER_PROVIDER_VERSION,
  Host,
  type HostModelProps,
  type HostOptions,
  type HostProps,
  TOKENS_VARIABLE,
} from "./host";
export {
  type HostEnvironment,
  type HostFrontDoor,
  type HostHomes,
  type HostService,
  type HostSwarmFrontDoor,
  type HostUser,
  type HostWorkspace,
} from "./parts";
// What those name: the config a Host takes (its schema, the shape of its props), the
// model it keeps, the container spec each workspace maps.
export { type Config, type ConfigInput, configSchema } from "../src/config/schema";
export {
  type EnvironmentModel,
  type HostModel,
  type RestartPolicy,
  type SharedMount,
  type SwarmModel,
  type UserMount,
  type UserModel,
  type WorkspaceModel,
} from "../src/model/model";
export { type FailedSignInsModel, type FrontDoorModel, type LoginModel, type OidcModel, type RouteModel, type TlsModel } from "../src/model/front-door";
export { type BindMount, type ContainerSpec, type PortSpec, type VolumeMount } from "../src/container/common";
export { type HomeGroup } from "../src/container/container";
