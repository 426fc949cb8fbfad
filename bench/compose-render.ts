// Compose render of 10,000 workspaces: model to YAML text, median of 5 (after one
// warm-up), and the process's peak RSS.   npm run bench:compose
import { buildModel } from "../src/model/model";
import { renderCompose } from "../src/render/compose";
import { generatedConfig, usersFor } from "./generate";

const WORKSPACES = Number(process.argv[2] ?? 10_000);
const model = buildModel(generatedConfig(usersFor(WORKSPACES)));
renderCompose(model);
const times: number[] = [];
let bytes = 0;
for (let i = 0; i < 5; i++) {
  const start = process.hrtime.bigint();
  bytes = renderCompose(model).length;
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
console.log(
  `compose render: ${model.workspaces.length} workspaces, ${(bytes / 2 ** 20).toFixed(1)} MiB of YAML, ` +
    `median ${times[2].toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[4].toFixed(0)}), ` +
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);
