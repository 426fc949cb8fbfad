// The Jupyter messaging protocol, as much of it as the tests speak: one execute_request
// on a kernel's channels WebSocket, and what comes back for it.
import { randomUUID } from "node:crypto";
import WebSocket from "ws";

export interface Execution {
  readonly stdout: string;
  readonly executionCount: number;
}

/** Runs `code` on an open kernel WebSocket; resolves with its stdout once the kernel replies. */
export function runCode(ws: WebSocket, code: string, seconds = 60): Promise<Execution> {
  const msgId = randomUUID();
  return new Promise<Execution>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`no reply from the kernel; stdout so far: ${stdout}`)), seconds * 1000);
    ws.on("message", (data) => {
      // A text frame: ws gives its bytes as one Buffer.
      const msg = JSON.parse((data as Buffer).toString());
      if (msg.parent_header?.msg_id !== msgId) return;
      if (msg.msg_type === "stream" && msg.content.name === "stdout") stdout += msg.content.text;
      if (msg.msg_type === "error") reject(new Error(msg.content.evalue));
      if (msg.msg_type === "execute_reply") {
        clearTimeout(timer);
        // The stream messages are on the iopub channel and may trail the reply.
        if (msg.content.status === "ok") setTimeout(() => resolve({ stdout, executionCount: msg.content.execution_count }), 200);
        else reject(new Error(`execute_reply ${msg.content.status}`));
      }
    });
    ws.send(
      JSON.stringify({
        header: {
          msg_id: msgId,
          username: "homedock-test",
          session: randomUUID(),
          msg_type: "execute_request",
          version: "5.3",
          date: new Date().toISOString(),
        },
        parent_header: {},
        metadata: {},
        content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
        channel: "shell",
        buffers: [],
      }),
    );
  });
}

/** Opens a WebSocket; resolves with it once open, or with the HTTP status that refused the upgrade. */
export function openSocket(url: string, options: WebSocket.ClientOptions): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once("error", reject);
  });
}
