// A Jupyter server's status without Docker: which servers homedock status asks and how,
// HTTP read back off a byte stream, and what Notebook 6 and JupyterLab 4 answer.
import { describe, expect, it } from "vitest";
import { parseResponse, ResponseReader } from "../../../src/docker/http1";
import { demultiplex, JUPYTER_STATUS_SCRIPT, jupyterProbes, jupyterStatusArgs, parseJupyterStatus, probeFailure } from "../../../src/workspaces/jupyter-status";
import { buildModel } from "../../../src/model/model";

/** The head of a response as Docker 20.10.24's engine sends it (Go's net/http). */
const ENGINE_HEAD =
  "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nDate: Thu, 03 Dec 2026 08:36:38 GMT\r\n";

describe("HTTP read back off a stream", () => {
  it("reads responses one after another, each whole once its last byte arrives, whatever the chunks", () => {
    const one = `${ENGINE_HEAD}Content-Length: 2\r\n\r\n{}`;
    const two = `${ENGINE_HEAD}Content-Length: 13\r\n\r\n{"a":"\u00e9t\u00e9"}`.replace("13", String(Buffer.byteLength('{"a":"\u00e9t\u00e9"}')));
    const bytes = Buffer.from(one + two, "utf8");
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const reader = new ResponseReader();
      const got = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
      expect(got.map((r) => [r.status, r.headers["api-version"], r.body])).toEqual([
        [200, "1.41", "{}"],
        [200, "1.41", '{"a":"\u00e9t\u00e9"}'],
      ]);
      expect(reader.end()).toBeUndefined();
    }
  });

  it("reads a chunked body (Go and Tornado chunk bodies of unknown length), a byte at a time", () => {
    const body = '[{"Id":"x"},{"Id":"y"}]';
    const wire = `${ENGINE_HEAD}Transfer-Encoding: chunked\r\n\r\n5\r\n${body.slice(0, 5)}\r\n${(body.length - 5).toString(16)};ext=1\r\n${body.slice(5)}\r\n0\r\n\r\n${ENGINE_HEAD}Content-Length: 0\r\n\r\n`;
    const reader = new ResponseReader();
    const got = [...wire].flatMap((ch) => reader.push(ch));
    expect(got.map((r) => [r.status, r.body])).toEqual([
      [200, body],
      [200, ""],
    ]);
  });

  it("gives a response without a length when the stream ends, and refuses one cut short or not HTTP", () => {
    expect(parseResponse("HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nnope")).toEqual({ status: 404, headers: { server: "x" }, body: "nope" });
    expect(() => parseResponse(`${ENGINE_HEAD}Content-Length: 10\r\n\r\n{}`)).toThrow("the stream ended inside a response (");
    expect(() => parseResponse("")).toThrow("no response");
    expect(() => new ResponseReader().push("SSH-2.0-OpenSSH_9.2\r\n\r\n")).toThrow('not an HTTP response: "SSH-2.0-OpenSSH_9.2"');
    expect(() => new ResponseReader().push(`${ENGINE_HEAD}Transfer-Encoding: chunked\r\n\r\nzz\r\n`)).toThrow("bad chunk size");
  });
});

describe("a Jupyter server's status", () => {
  const model = buildModel({
    host: { name: "lab" },
    frontDoor: { site: "lab.example.org", tls: "internal" },
    environments: [
      { name: "py", image: "x/py:1", command: ["jupyter", "notebook"], jupyter: "notebook" },
      { name: "lab", image: "x/lab:1", command: ["jupyter", "lab"], jupyter: "server" },
      { name: "shell", image: "x/sh:1", command: ["sleep", "infinity"] },
    ],
    users: [{ name: "alice", uid: 1001, gid: 1001 }],
  });

  it("asks every Jupyter workspace behind the front door, as its user, at its prefix's api/status on its socket", () => {
    const probes = jupyterProbes(model);
    expect(probes).toEqual([
      // Its socket as the Docker host has it, where status asks on it directly.
      { container: "lab-alice.py", user: "1001:1001", prefix: "/user/alice/py/", socket: "/var/lib/homedock/lab/alice/py/jupyter.sock" },
      { container: "lab-alice.lab", user: "1001:1001", prefix: "/user/alice/lab/", socket: "/var/lib/homedock/lab/alice/lab/jupyter.sock" },
    ]);
    expect(jupyterStatusArgs(probes[0])).toEqual([
      "exec",
      "-u",
      "1001:1001",
      "lab-alice.py",
      "python3",
      "-c",
      JUPYTER_STATUS_SCRIPT,
      "/run/homedock/jupyter.sock",
      "/user/alice/py/api/status",
      "3",
    ]);
  });

  it("asks none without a front door (the servers listen on TCP with a token)", () => {
    const bare = buildModel({
      host: { name: "lab" },
      environments: [{ name: "py", image: "x/py:1", command: ["jupyter", "notebook"], jupyter: "notebook" }],
      users: [{ name: "alice", uid: 1001, gid: 1001 }],
    });
    expect(jupyterProbes(bare)).toEqual([]);
  });

  it("reads what Notebook 6 and JupyterLab 4 answer (recorded through their sockets)", () => {
    const notebook =
      'HTTP/1.1 200 OK\r\nServer: TornadoServer/6.2\r\nContent-Type: application/json\r\nContent-Length: 122\r\n\r\n{"connections": 0, "kernels": 0, "last_activity": "2026-12-03T08:36:33.528743Z", "started": "2026-12-03T08:36:33.528743Z"}';
    expect(parseJupyterStatus(notebook)).toEqual({
      lastActivity: "2026-12-03T08:36:33.528743Z",
      kernels: 0,
      connections: 0,
      started: "2026-12-03T08:36:33.528743Z",
    });
    const lab =
      'HTTP/1.1 200 OK\r\nServer: TornadoServer/6.6.1\r\nContent-Type: application/json\r\nContent-Length: 122\r\nSet-Cookie: username-localhost="2|1:0|..."; HttpOnly; Path=/user/a/lab/\r\n\r\n{"connections": 1, "kernels": 2, "last_activity": "2026-12-03T08:40:35.144698Z", "started": "2026-12-03T08:36:35.144698Z"}';
    expect(parseJupyterStatus(lab)).toEqual({
      lastActivity: "2026-12-03T08:40:35.144698Z",
      kernels: 2,
      connections: 1,
      started: "2026-12-03T08:36:35.144698Z",
    });
  });

  it("says why, in one line, when the server does not answer as expected", () => {
    expect(parseJupyterStatus("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")).toEqual({ error: "the server answered HTTP 403" });
    expect(parseJupyterStatus("")).toEqual({ error: "the server gave no answer" });
    expect(parseJupyterStatus("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")).toEqual({ error: "the server's status was not JSON" });
    expect(parseJupyterStatus("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnull")).toEqual({ error: "the server's status was not a JSON object" });
    expect(parseJupyterStatus("garbage")).toEqual({ error: 'the server\'s answer was not HTTP: not an HTTP response: "garbage"' });
    const traceback = 'Traceback (most recent call last):\n  File "<string>", line 4, in <module>\nFileNotFoundError: [Errno 2] No such file or directory\n';
    expect(probeFailure(1, traceback, false)).toEqual({
      error: "the server is not listening on its socket (FileNotFoundError: [Errno 2] No such file or directory)",
    });
    expect(probeFailure(1, "Traceback ...\nsocket.timeout: timed out\n", false)).toEqual({ error: "the server did not answer within 3 s" });
    expect(probeFailure(null, "", true)).toEqual({ error: "no answer within 5 s" });
    expect(probeFailure(126, "", false)).toEqual({ error: "docker exec failed (exit status 126)" });
    expect(probeFailure(1, "Error response from daemon: Container abc is not running\n", false)).toEqual({
      error: "Error response from daemon: Container abc is not running",
    });
  });

  it("reads an exec's output off the engine's raw stream: stdout and stderr frames, a cut frame dropped", () => {
    const framed = (stream: number, text: string) => {
      const head = Buffer.from([stream, 0, 0, 0, 0, 0, 0, 0]);
      head.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([head, Buffer.from(text)]);
    };
    const stream = Buffer.concat([framed(1, "HTTP/1.1 200 OK\r\n"), framed(2, "oops\n"), framed(1, "\u00e9t\u00e9"), framed(1, "cut short").subarray(0, 6)]);
    expect(demultiplex(stream)).toEqual({ stdout: "HTTP/1.1 200 OK\r\n\u00e9t\u00e9", stderr: "oops\n" });
    expect(demultiplex(Buffer.alloc(0))).toEqual({ stdout: "", stderr: "" });
  });
});
