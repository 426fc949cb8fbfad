// The cdktf app: reads the config file, builds one stack, synthesizes.
// HOMEDOCK_CONFIG names the file; else ./homedock.yaml; else the bundled example.
import { configFile, summary } from "./src/cli/config-file";
import { loadConfig } from "./src/config/load";
import { ConfigError } from "./src/model/issues";
import { synth } from "./src/render/output";

export function main(): number {
  const file = configFile();
  try {
    const model = loadConfig(file);
    const out = synth(model, process.env.CDKTF_OUTDIR ?? "cdktf.out");
    console.log(`${summary(model)}\nwrote ${out}`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) process.exitCode = main();
