// The cdktf app: reads the config file, builds one stack, synthesizes.
// HOMEDOCK_CONFIG names the file; else ./homedock.yaml; else the bundled example.
import * as path from "node:path";
import { configFile, summary } from "./src/cli/config-file";
import { exitStatus } from "./src/cli/exit-status";
import { loadChecked } from "./src/preflight/load";
import { synth } from "./src/output/output";

export function main(): number {
  const file = configFile();
  try {
    const { model } = loadChecked(file);
    const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
    const out = synth(model, outdir);
    console.log(`${summary(model, path.dirname(path.resolve(outdir)))}\nwrote ${out}`);
    return 0;
  } catch (err) {
    // As the homedock command reports it: one message and its exit status; a bug keeps its stack.
    return exitStatus(err);
  }
}

if (require.main === module) process.exitCode = main();
