// What the commands load only when one runs, never for `homedock --help`: the config
// reader (zod, js-yaml), the JSON Schema, the users importer (yaml, diff) and bcrypt
// were three quarters of the command's start (bench/cli-start.ts). The command loads
// them in its preAction hook, before any action; the actions then take them from here.
import type * as BcryptModule from "bcryptjs";
import type * as JsonSchemaModule from "../config/json-schema";
import type * as LoadModule from "../preflight/load";
import type * as ImportModule from "../users/import";

interface Modules {
  readonly load: typeof LoadModule;
  readonly jsonSchema: typeof JsonSchemaModule;
  readonly usersImport: typeof ImportModule;
  readonly bcrypt: typeof BcryptModule;
}

let modules: Modules | undefined;

/** Loads them (once); the command's preAction hook awaits it. */
export async function loadCommandModules(): Promise<void> {
  if (modules !== undefined) return;
  const [load, jsonSchema, usersImport, bcrypt] = await Promise.all([
    import("../preflight/load"),
    import("../config/json-schema"),
    import("../users/import"),
    import("bcryptjs"),
  ]);
  modules = { load, jsonSchema, usersImport, bcrypt };
}

function loaded(): Modules {
  if (modules === undefined) throw new Error("homedock: a command ran before its modules were loaded (loadCommandModules)");
  return modules;
}

export const configReader = (): typeof LoadModule => loaded().load;
export const jsonSchema = (): typeof JsonSchemaModule => loaded().jsonSchema;
export const usersImporter = (): typeof ImportModule => loaded().usersImport;
export const bcrypt = (): typeof BcryptModule => loaded().bcrypt;
