export * from "./config";
export * from "./container-spec";
export * from "./environment";
export * from "./host";
export * from "./load";
export * from "./model";
export * from "./user";
export * from "./workspace";
