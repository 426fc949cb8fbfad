// HTTP/1.x responses read back off a byte stream that homedock gets whole from
// elsewhere (what a request to a Jupyter server's unix socket printed, through `docker
// exec`): Content-Length, chunked, or to the end of the stream. Pure: bytes in,
// responses out.
import { EXIT_UNREADABLE, HomedockError } from "../config/errors";

/** One response: its status, headers (names in lower case) and body. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A malformed response: the stream cannot be read any further. */
export class HttpParseError extends HomedockError {
  constructor(message: string) {
    super(message, EXIT_UNREADABLE);
  }
}

const HEAD_END = Buffer.from("\r\n\r\n");
const LINE_END = Buffer.from("\r\n");

interface Head {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly bodyStart: number;
}

function parseHead(buf: Buffer): Head | undefined {
  const end = buf.indexOf(HEAD_END);
  if (end < 0) return undefined;
  const [statusLine, ...lines] = buf.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
  if (m === null) throw new HttpParseError(`not an HTTP response: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(m[1]), headers, bodyStart: end + HEAD_END.length };
}

/**
 * The body of a chunked response starting at `from`, and where the response ends;
 * undefined while it is incomplete.
 */
function chunked(buf: Buffer, from: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const eol = buf.indexOf(LINE_END, at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.subarray(at, eol).toString("latin1").split(";")[0].trim(), 16);
    if (!Number.isFinite(size) || size < 0)
      throw new HttpParseError(`bad chunk size: ${JSON.stringify(buf.subarray(at, eol).toString("latin1").slice(0, 20))}`);
    const data = eol + LINE_END.length;
    if (size === 0) {
      // No trailers are expected; the last chunk ends with an empty line.
      const last = buf.indexOf(HEAD_END.subarray(0, 2), data);
      return last < 0 ? undefined : { body: Buffer.concat(parts), end: last + LINE_END.length };
    }
    if (buf.length < data + size + LINE_END.length) return undefined;
    parts.push(buf.subarray(data, data + size));
    at = data + size + LINE_END.length;
  }
}

/**
 * Reads responses off a byte stream as they complete. A response without a length (and
 * not chunked) ends with the stream: `end()` gives it.
 */
export class ResponseReader {
  private buf = Buffer.alloc(0);

  /** The responses that `chunk` completes, in order. @throws HttpParseError when the stream is not HTTP */
  push(chunk: Buffer | string): HttpResponse[] {
    this.buf = Buffer.concat([this.buf, typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk]);
    const done: HttpResponse[] = [];
    for (;;) {
      const head = parseHead(this.buf);
      if (head === undefined) return done;
      let body: Buffer;
      let end: number;
      if (/\bchunked\b/i.test(head.headers["transfer-encoding"] ?? "")) {
        const c = chunked(this.buf, head.bodyStart);
        if (c === undefined) return done;
        ({ body, end } = c);
      } else if (head.headers["content-length"] !== undefined || head.status === 204 || head.status === 304) {
        const length = Number(head.headers["content-length"] ?? 0);
        if (!Number.isInteger(length) || length < 0) throw new HttpParseError(`bad Content-Length: ${head.headers["content-length"]}`);
        if (this.buf.length < head.bodyStart + length) return done;
        body = this.buf.subarray(head.bodyStart, head.bodyStart + length);
        end = head.bodyStart + length;
      } else {
        return done; // ends with the stream
      }
      done.push({ status: head.status, headers: head.headers, body: body.toString("utf8") });
      this.buf = this.buf.subarray(end);
    }
  }

  /** At the end of the stream: the response that ran to it, if any. @throws HttpParseError for one cut short */
  end(): HttpResponse | undefined {
    if (this.buf.length === 0) return undefined;
    if (!this.buf.subarray(0, 5).equals(Buffer.from("HTTP/").subarray(0, Math.min(5, this.buf.length)))) {
      throw new HttpParseError(`not an HTTP response: ${JSON.stringify(this.buf.toString("latin1").split("\r\n")[0].slice(0, 80))}`);
    }
    const head = parseHead(this.buf);
    if (head === undefined || head.headers["content-length"] !== undefined || head.headers["transfer-encoding"] !== undefined) {
      throw new HttpParseError(`the stream ended inside a response (${this.buf.length} bytes unread)`);
    }
    const response = { status: head.status, headers: head.headers, body: this.buf.subarray(head.bodyStart).toString("utf8") };
    this.buf = Buffer.alloc(0);
    return response;
  }
}

/** The one response in `bytes` (a whole exchange, the stream closed after it). @throws HttpParseError */
export function parseResponse(bytes: Buffer | string): HttpResponse {
  const reader = new ResponseReader();
  const [first] = reader.push(bytes);
  const response = first ?? reader.end();
  if (response === undefined) throw new HttpParseError("no response");
  return response;
}
