// The `homedock` command: everything an admin does that isn't `cdktf` itself.
import { Command, CommanderError } from "commander";
import { configFile, summary, synth, writeCompose } from "./main";
import { ConfigError, configJsonSchema, loadConfig } from "./constructs";

export function program(): Command {
  const cli = new Command("homedock")
    .description("A multi-user Docker host as code: environments x users -> workspace containers")
    .showHelpAfterError()
    .exitOverride();
  const config = "config file (default: $HOMEDOCK_CONFIG, else ./homedock.yaml, else the bundled example)";

  cli
    .command("synth")
    .description("synthesize the Terraform stack (what `cdktf synth` runs)")
    .option("-c, --config <file>", config)
    .option("-o, --out <dir>", "output directory", "cdktf.out")
    .action((opts: { config?: string; out: string }) => {
      const model = loadConfig(opts.config ?? configFile());
      const out = synth(model, opts.out);
      console.log(`${summary(model)}\nwrote ${out}`);
    });

  cli
    .command("compose")
    .description("render the same host as a docker-compose.yml")
    .option("-c, --config <file>", config)
    .option("-o, --out <file>", "where to write it", "docker-compose.yml")
    .action((opts: { config?: string; out: string }) => {
      const model = loadConfig(opts.config ?? configFile());
      const out = writeCompose(model, opts.out);
      console.log(`${summary(model)}\nwrote ${out}`);
    });

  cli
    .command("validate")
    .description("check a config file and print what it declares; writes nothing")
    .option("-c, --config <file>", config)
    .action((opts: { config?: string }) => {
      console.log(summary(loadConfig(opts.config ?? configFile())));
    });

  cli
    .command("schema")
    .description("print the JSON Schema of the config file (for editors; also homedock.schema.json)")
    .action(() => {
      console.log(JSON.stringify(configJsonSchema(), null, 2));
    });

  return cli;
}

/** Runs the CLI; returns the exit status. Config errors are one message, never a stack trace. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}
