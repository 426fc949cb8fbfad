// Config validation of a 10,000-user file whose one error is at the very end: time
// from reading the YAML text to the ConfigError, median of 5.   npm run bench:validate
import { stringify } from "yaml";
import { ConfigError } from "../src/config/issues";
import { parseConfig } from "../src/model/load";
import { generatedConfig } from "./generate";

const USERS = Number(process.argv[2] ?? 10_000);
const config = generatedConfig(USERS);
config.users![USERS - 1] = { ...config.users![USERS - 1], uid: 0 };
const text = stringify(config);
const times: number[] = [];
let message = "";
for (let i = 0; i < 5; i++) {
  const start = process.hrtime.bigint();
  try {
    parseConfig(text, "homedock.yaml");
    throw new Error("the config was accepted");
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    message = err.message;
  }
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
console.log(
  `validation: ${USERS} users, ${(text.length / 1024).toFixed(0)} KiB of YAML, median ${times[2].toFixed(0)} ms to the error (min ${times[0].toFixed(0)}, max ${times[4].toFixed(0)})\n${message}`,
);
