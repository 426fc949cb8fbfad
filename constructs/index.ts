// The cdktf constructs: what a cdktf app declares a host with.
export { Environment, type EnvironmentProps } from "./environment";
export { FrontDoor, type FrontDoorProps } from "./front-door";
export { CADDYFILE_VARIABLE, DOCKER_PROVIDER_SOURCE, DOCKER_PROVIDER_VERSION, Host, type HostOptions, type HostProps, TOKENS_VARIABLE } from "./host";
export { User, type UserProps } from "./user";
export { type HostRefs, Workspace, type WorkspaceProps } from "./workspace";
