// homedock's public API: the constructs, the config reader and model, the preflight,
// the renderers and the plan review. Everything else is internal and may change without
// notice.
export * from "../constructs";
export { type Config, type ConfigInput } from "./config/schema";
export { configJsonSchema } from "./config/json-schema";
export { loadConfig, parseConfig } from "./model/load";
export {
  buildModel,
  type EnvironmentModel,
  type HostModel,
  type RestartPolicy,
  type SharedMount,
  type UserMount,
  type UserModel,
  type WorkspaceModel,
} from "./model/model";
export { type HostPathPolicy, preflight, type PreflightOptions } from "./preflight/preflight";
export { ConfigError, type ConfigIssue } from "./config/issues";
export { HomedockError } from "./config/errors";
export { type BindMount, type ContainerSpec, homeInitContainer, workspaceContainer } from "./container/container";
export { renderCompose } from "./render/compose";
export { renderCaddyfile } from "./render/caddyfile";
export { type FrontDoorModel, type LoginModel, type OidcModel, type RouteModel, type TlsModel } from "./model/front-door";
export { synth, writeCompose } from "./output/output";
export {
  type ChangeKind,
  PlanError,
  type PlanSummary,
  type PlanVerdict,
  planVerdict,
  type ResourceChange,
  REVIEW_EXIT,
  type Review,
  reviewMarkdown,
  type ReviewOptions,
  reviewPlan,
  type RootImageChange,
  type RootRole,
  summarizePlan,
  type WorkspaceChange,
} from "./review/review";
