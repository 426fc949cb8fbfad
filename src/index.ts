// homedock's public API: the constructs, the config reader and model, the preflight,
// the renderers and the plan review. Everything else is internal and may change without
// notice. The constructs' entry brings the types they name: the config's schema and
// shape, the model, the container spec.
export * from "../constructs";
export { configJsonSchema } from "./config/json-schema";
export { loadConfig, parseConfig } from "./model/load";
export { buildModel } from "./model/model";
export { type HostPathPolicy, preflight, type PreflightOptions } from "./preflight/preflight";
export { ConfigError, type ConfigIssue, type PathSegment } from "./config/issues";
export { HomedockError } from "./config/errors";
export { homeGroups, homesContainer, ROLE, workspaceContainer } from "./container/container";
export { renderCompose } from "./render/compose";
export { renderStack } from "./render/stack";
export { renderCaddyfile } from "./render/caddyfile";
export { synth, writeCompose } from "./output/output";
export {
  type ChangeKind,
  type FrontDoorChange,
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
  type SettingChange,
  summarizePlan,
  type WorkspaceChange,
} from "./review/review";
