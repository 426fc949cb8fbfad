// Configs a hostile contributor might write: tiny files whose aliases expand beyond
// any budget, for the tests and the benchmark alike.

/** Anchors a0..a{levels-1}, each `width` aliases to the one before: width^levels strings. */
function laughs(indent: string, levels: number, width: number): string[] {
  const lines = [`${indent}a0: &a0 [${Array(width).fill('"lol"').join(",")}]`];
  for (let i = 1; i < levels; i++)
    lines.push(
      `${indent}a${i}: &a${i} [${Array(width)
        .fill(`*a${i - 1}`)
        .join(",")}]`,
    );
  return lines;
}

const head = "environments:\n  - name: python\n    image: jupyter/base:2026.1\n";
const tail = "users:\n  - {name: alice, uid: 1000, gid: 1000}\n";

/** The billion laughs (10^9 strings) under a key the schema does not know. */
export const bombUnderUnknownKey = `${head}    command: [jupyter, lab]\n    laughs:\n${laughs("      ", 9, 10).join("\n")}\n      all: [${Array(10).fill("*a8").join(",")}]\n${tail}`;

/** The same, nested in place, where the schema expects a list of strings. */
export const bombUnderCommand = (() => {
  let value = `&a0 [${Array(10).fill('"lol"').join(",")}]`;
  for (let i = 1; i <= 8; i++)
    value = `&a${i} [${value},${Array(9)
      .fill(`*a${i - 1}`)
      .join(",")}]`;
  return `${head}    command: ${value}\n${tail}`;
})();
