// `homedock users import` of 10,000 accounts into a config with no users: time from the
// texts (config, passwd, group) to the new config text, validated; median of 5 after a
// warm-up. Also writes the inputs to a directory given as the second argument, for
// timing the whole command.   npm run bench:users [-- ACCOUNTS [DIR]]
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseAccountDatabase } from "../src/users/account-db";
import { importUsers } from "../src/users/import";

const ACCOUNTS = Number(process.argv[2] ?? 10_000);
const GROUPS = 50;

// Debian's system accounts, then the regular ones; every account in its own group
// and in three of 50 course groups (one of which an environment restricts on).
const system = [
  "root:x:0:0:root:/root:/bin/bash",
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
];
const names = Array.from({ length: ACCOUNTS }, (_, i) => `student${i}`);
const passwd = [...system, ...names.map((n, i) => `${n}:x:${10_000 + i}:${10_000 + i}:Student ${i},,,:/home/${n}:/bin/bash`)].join("\n") + "\n";
const members = Array.from({ length: GROUPS }, () => [] as string[]);
names.forEach((n, i) => {
  for (const k of [i % GROUPS, (i * 7 + 3) % GROUPS, (i * 13 + 5) % GROUPS]) if (!members[k].includes(n)) members[k].push(n);
});
const group =
  ["root:x:0:", ...names.map((n, i) => `${n}:x:${10_000 + i}:`), ...members.map((m, k) => `course${k}:x:${2000 + k}:${m.join(",")}`)].join("\n") + "\n";
const config = `# bench host
host:
  name: bench
environments:
  - name: python
    image: bench/python:1
    command: [jupyter, notebook, --ip=0.0.0.0]
  - name: r
    image: bench/r:1
    command: [jupyter, notebook, --ip=0.0.0.0]
    groups: [course7]
`;

if (process.argv[3]) {
  const dir = process.argv[3];
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "passwd"), passwd);
  writeFileSync(path.join(dir, "group"), group);
  writeFileSync(path.join(dir, "homedock.yaml"), config);
}

const wall: number[] = [];
const cpu: number[] = [];
let added = 0;
let bytes = 0;
for (let i = 0; i < 6; i++) {
  const start = process.hrtime.bigint();
  const startCpu = process.cpuUsage();
  const db = parseAccountDatabase(passwd, group, { passwd: "passwd", group: "group" });
  const result = importUsers(config, "homedock.yaml", db);
  const used = process.cpuUsage(startCpu);
  if (i > 0) {
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
    cpu.push((used.user + used.system) / 1000);
  }
  added = result.changes.length;
  bytes = result.text.length;
}
// CPU time beside wall time: on a busy machine the wall time is mostly waiting.
const summary = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return `median ${s[2].toFixed(0)} ms (min ${s[0].toFixed(0)}, max ${s[4].toFixed(0)})`;
};
console.log(
  `users import: ${ACCOUNTS} accounts (+${system.length} system), ${GROUPS} course groups, into a config with no users: ${added} added, ${(bytes / 1024).toFixed(0)} KiB of YAML\nwall ${summary(wall)}; cpu ${summary(cpu)}`,
);
