import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { writeWhole } from "../../../src/output/write-whole";

// The content goes in with writeFileSync on the staging file's descriptor: the tests see
// the file as it is at that moment, or make that write fail.
const hook = vi.hoisted(() => ({ beforeWrite: undefined as ((fd: number) => void) | undefined }));
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  return {
    ...actual,
    writeFileSync: (target: fs.PathOrFileDescriptor, ...rest: [string, fs.WriteFileOptions?]) => {
      if (typeof target === "number") hook.beforeWrite?.(target);
      return actual.writeFileSync(target, ...rest);
    },
  };
});

const dir = fs.mkdtempSync(path.join(tmpdir(), "homedock-write-whole-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => (hook.beforeWrite = undefined));

let n = 0;
/** A directory of its own for one test. */
function fresh(): string {
  const here = path.join(dir, `t${n++}`);
  fs.mkdirSync(here);
  return here;
}
const mode = (p: string) => fs.statSync(p).mode & 0o7777;

/** Runs `f` under a umask that would take group read and write from a new file. */
function underUmask077(f: () => void): void {
  const before = process.umask(0o077);
  try {
    f();
  } finally {
    process.umask(before);
  }
}

describe("writeWhole", () => {
  it("writes the file with its mode, and nothing else beside it", () => {
    const here = fresh();
    const file = path.join(here, "a.json");
    underUmask077(() => writeWhole(file, "one\n", { mode: 0o660 }));
    expect([fs.readFileSync(file, "utf8"), mode(file)]).toEqual(["one\n", 0o660]);
    writeWhole(file, "two\n", { mode: 0o600 });
    expect([fs.readFileSync(file, "utf8"), mode(file)]).toEqual(["two\n", 0o600]);
    expect(fs.readdirSync(here)).toEqual(["a.json"]);
  });

  it("sets the mode before any content is written", () => {
    const here = fresh();
    const seen: [number, number][] = [];
    hook.beforeWrite = (fd) => {
      const st = fs.fstatSync(fd);
      seen.push([st.mode & 0o7777, st.size]);
    };
    underUmask077(() => writeWhole(path.join(here, "secret"), "token\n", { mode: 0o640 }));
    expect(seen).toEqual([[0o640, 0]]);
  });

  it("leaves the file as it was, and no staging file, when the write fails", () => {
    const here = fresh();
    const file = path.join(here, "tokens.json");
    fs.writeFileSync(file, "old\n");
    hook.beforeWrite = () => {
      throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
    };
    expect(() => writeWhole(file, "new\n", { mode: 0o600 })).toThrow(expect.objectContaining({ code: "ENOSPC" }));
    expect(fs.readFileSync(file, "utf8")).toBe("old\n");
    expect(fs.readdirSync(here)).toEqual(["tokens.json"]);
  });

  it("leaves no staging file when the rename fails", () => {
    const here = fresh();
    // A directory with something in it: no file is renamed over it.
    const file = path.join(here, "docker-compose.yml");
    fs.mkdirSync(file);
    fs.writeFileSync(path.join(file, "x"), "");
    expect(() => writeWhole(file, "services: {}\n")).toThrow();
    expect(fs.readdirSync(here)).toEqual(["docker-compose.yml"]);
  });

  it("exclusive: a new file, never one that exists", () => {
    const here = fresh();
    const file = path.join(here, "new-passwords.csv");
    writeWhole(file, "user,password\n", { mode: 0o600, exclusive: true });
    expect([fs.readFileSync(file, "utf8"), mode(file)]).toEqual(["user,password\n", 0o600]);
    expect(() => writeWhole(file, "other\n", { mode: 0o600, exclusive: true })).toThrow(expect.objectContaining({ code: "EEXIST" }));
    expect(fs.readFileSync(file, "utf8")).toBe("user,password\n");
    expect(fs.readdirSync(here)).toEqual(["new-passwords.csv"]);
  });

  it("follows no link put where the staging file goes, and is not stopped by one", () => {
    const here = fresh();
    const elsewhere = path.join(here, "elsewhere");
    fs.writeFileSync(elsewhere, "not yours\n");
    fs.symlinkSync(elsewhere, path.join(here, `.config.yaml.homedock-${process.pid}`));
    writeWhole(path.join(here, "config.yaml"), "users: []\n");
    expect(fs.readFileSync(elsewhere, "utf8")).toBe("not yours\n");
    expect(fs.readFileSync(path.join(here, "config.yaml"), "utf8")).toBe("users: []\n");
    expect(fs.readdirSync(here).sort()).toEqual(["config.yaml", "elsewhere"]);
  });
});
