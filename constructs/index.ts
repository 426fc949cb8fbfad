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
export { type HostEnvironment, type HostFrontDoor, type HostUser, type HostWorkspace } from "./parts";
