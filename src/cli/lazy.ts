// What the commands load only when one runs, never for `homedock --help`: the config
// reader (zod, js-yaml), the JSON Schema, the users importer (yaml, diff) and bcrypt
// were three quarters of the command's start (bench/cli-start.ts). The command loads
// the config reader in its preAction hook, before any action; the JSON Schema, the
// importer and bcrypt are loaded by the preAction hooks of the commands that use them
// (schema, users import, passwd), not by `homedock synth` (yaml's and diff's 91 modules).
// The actions then take them from here.
import type * as BcryptModule from "bcryptjs";
import type * as JsonSchemaModule from "../config/json-schema";
import type * as LoadModule from "../preflight/load";
import type * as ImportModule from "../users/import";

let load: typeof LoadModule | undefined;
let jsonSchemaModule: typeof JsonSchemaModule | undefined;
let usersImportModule: typeof ImportModule | undefined;
let bcryptModule: typeof BcryptModule | undefined;

/** Loads the config reader (once); the command's preAction hook awaits it. */
export async function loadCommandModules(): Promise<void> {
  load ??= await import("../preflight/load");
}

/** Loads the JSON Schema (once), for `homedock schema`. */
export async function loadJsonSchema(): Promise<void> {
  jsonSchemaModule ??= await import("../config/json-schema");
}

/** Loads the users importer (once), for `homedock users import`. */
export async function loadUsersImporter(): Promise<void> {
  usersImportModule ??= await import("../users/import");
}

/** Loads bcrypt (once), for `homedock passwd`. */
export async function loadBcrypt(): Promise<void> {
  bcryptModule ??= await import("bcryptjs");
}

function loaded<T>(module: T | undefined, loader: string): T {
  if (module === undefined) throw new Error(`homedock: a command ran before its modules were loaded (${loader})`);
  return module;
}

export const configReader = (): typeof LoadModule => loaded(load, "loadCommandModules");
export const jsonSchema = (): typeof JsonSchemaModule => loaded(jsonSchemaModule, "loadJsonSchema");
export const usersImporter = (): typeof ImportModule => loaded(usersImportModule, "loadUsersImporter");
export const bcrypt = (): typeof BcryptModule => loaded(bcryptModule, "loadBcrypt");
