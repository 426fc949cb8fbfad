// The sign-in's limiter as HAProxy runs it (the test image: Debian's haproxy 2.6.12),
// with the config homedock renders, in front of a stand-in for the sign-in that answers
// as oauth2-proxy does (401 for a wrong password, 302 for the right one) and counts what
// reaches it. Sent as the proxy sends them: with the client's address in X-Real-IP.
import { spawnSync } from "node:child_process";
import { createServer, request, type Server } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CHECKS_AT_ONCE, renderLimiterConfig, TARPIT_SECONDS } from "../../src/container/login-limit";
import { FRONT_DOOR_IMAGES, eventually, requireDocker, uniqueName } from "../helpers/docker";
import { freePort, runLimiter, signInForm } from "../helpers/front-door";

const work = mkdtempSync(path.join(tmpdir(), "homedock-limiter-"));
const name = uniqueName("limiter");
const LIMIT = { perUser: 3, perAddress: 5, windowSeconds: 600, image: FRONT_DOOR_IMAGES.limiter };
let signIn: Server;
let reached: string[] = [];
let seenAuthorization = false;
let inFlight = 0;
let mostInFlight = 0;
const CHECK_MS = 200;
let port = 0;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request to the limiter as the proxy makes it; `address` is the client's, as the proxy saw it. */
function send(method: string, pathAndQuery: string, address: string | undefined, body = "", headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: pathAndQuery,
        headers: {
          ...(address === undefined ? {} : { "X-Real-IP": address }),
          ...(method === "POST" && !("Transfer-Encoding" in headers) ? { "Content-Length": Buffer.byteLength(body) } : {}),
          ...headers,
        },
      },
      (res) => {
        let text = "";
        res
          .setEncoding("utf8")
          .on("data", (d: string) => (text += d))
          .on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const post = (user: string, password: string, address: string) => send("POST", "/oauth2/sign_in", address, signInForm(user, password), FORM);

beforeAll(async () => {
  requireDocker();
  // The stand-in: 302 for the password "right", else 401; it notes what reached it.
  signIn = createServer((req, res) => {
    let body = "";
    req
      .setEncoding("utf8")
      .on("data", (d: string) => (body += d))
      .on("end", () => {
        reached.push(`${req.method} ${req.url} ${body}`);
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        // As a password check takes its time (bcrypt): long enough for guesses sent together to overlap.
        setTimeout(() => answer(body), req.method === "POST" ? CHECK_MS : 0);
      });
    const answer = (body: string) => {
      inFlight -= 1;
      if (req.headers.authorization !== undefined) seenAuthorization = true;
      const form = new URLSearchParams(body);
      const right = req.method === "POST" && form.get("username") !== "" && form.get("password") === "right";
      res.writeHead(req.method !== "POST" ? 200 : right ? 302 : 401, right ? { Location: "/" } : {}).end(req.method === "POST" ? "" : "the sign-in page");
    };
  });
  await new Promise<void>((resolve) => signIn.listen(0, "127.0.0.1", resolve));
  const backend = (signIn.address() as { port: number }).port;
  port = await freePort();
  const config = path.join(work, "login-limit.cfg");
  writeFileSync(config, renderLimiterConfig(LIMIT, { port, signIn: `127.0.0.1:${backend}`, signInPath: "/oauth2/sign_in" }));
  await runLimiter(name, config);
  await eventually("the limiter to answer", async () => (await send("GET", "/oauth2/sign_in", "192.0.2.1").catch(() => undefined))?.status === 200, 20);
}, 60_000);

afterAll(async () => {
  spawnSync("docker", ["rm", "-f", name], { stdio: "ignore" });
  signIn?.close();
  rmSync(work, { recursive: true, force: true });
});

// Each test from addresses of its own (the tables outlive a test).
let net = 0;
beforeEach(() => {
  net += 1;
  reached = [];
  mostInFlight = 0;
});
const addr = (host: number) => `198.51.100.${net * 10 + host}`;

describe("the sign-in's limiter", () => {
  it("takes perUser wrong passwords for a name, then answers that name itself (429, Retry-After), the right password too, without asking the sign-in", async () => {
    const user = `alice`;
    for (let i = 0; i < LIMIT.perUser; i += 1) expect((await post(user, `wrong-${i}`, addr(i))).status).toBe(401);
    expect(reached).toHaveLength(LIMIT.perUser);
    const t0 = Date.now();
    const refused = await post(user, "right", addr(9));
    expect(refused.status).toBe(429);
    // Held first, so a guesser's loop is no faster for being refused.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(TARPIT_SECONDS * 1000 - 100);
    expect(refused.headers["retry-after"]).toBe("600");
    expect(refused.body).toContain("Too many failed sign-ins");
    expect(refused.body).not.toContain("alice");
    // The same name in capitals is the same name; the refused requests never reached the sign-in.
    expect((await post("ALICE", "wrong", addr(8))).status).toBe(429);
    expect(reached).toHaveLength(LIMIT.perUser);
    // Another name from the same addresses is not held back; nor is the page.
    expect((await post("bob", "right", addr(0))).status).toBe(302);
    expect((await send("GET", "/oauth2/sign_in", addr(9))).status).toBe(200);
  });

  it("takes perAddress wrong passwords from an address, whatever the names, then answers that address itself; other addresses go on", async () => {
    for (let i = 0; i < LIMIT.perAddress; i += 1) expect((await post(`guess${net}-${i}`, "wrong", addr(1))).status).toBe(401);
    expect((await post("carol", "right", addr(1))).status).toBe(429);
    expect((await post("carol", "right", addr(2))).status).toBe(302);
    expect(reached).toHaveLength(LIMIT.perAddress + 1);
  });

  it("counts every guess: of guesses sent side by side for one name, no more than perUser reach the sign-in, then or later", async () => {
    const name = `zed${net}`;
    const together = await Promise.all(Array.from({ length: 12 }, (_, i) => post(name, `wrong-${i}`, addr(i % 4))));
    expect(together.filter((r) => r.status === 401)).toHaveLength(LIMIT.perUser);
    expect(together.filter((r) => r.status === 429)).toHaveLength(12 - LIMIT.perUser);
    expect(mostInFlight).toBe(LIMIT.perUser);
    for (let i = 0; i < 4; i += 1) expect((await post(name, `again-${i}`, addr(4 + i))).status).toBe(429);
    expect(reached.filter((r) => r.includes(`username=${name}&`))).toHaveLength(LIMIT.perUser);
  });

  it("counts every sign-in from an address under way: of many sent side by side, no more than perAddress reach the sign-in", async () => {
    const together = await Promise.all(Array.from({ length: 12 }, (_, i) => post(`crowd${net}-${i}`, "wrong", addr(5))));
    expect(together.filter((r) => r.status === 401)).toHaveLength(LIMIT.perAddress);
    expect(reached).toHaveLength(LIMIT.perAddress);
    // Right passwords side by side from an address with no failures, as many as perAddress (a class behind one address): all are checked.
    mostInFlight = 0;
    const right = await Promise.all(Array.from({ length: LIMIT.perAddress }, (_, i) => post(`class${net}-${i}`, "right", addr(6))));
    expect(right.map((r) => r.status)).toEqual(Array(LIMIT.perAddress).fill(302));
    // Checked CHECKS_AT_ONCE at a time, the others queued in the limiter.
    expect(mostInFlight).toBe(CHECKS_AT_ONCE);
  });

  it("lets an address past its limit hold no one else's name: its sign-ins for a name do not keep others from that name", async () => {
    for (let i = 0; i < LIMIT.perAddress; i += 1) expect((await post(`spray${net}-${i}`, "wrong", addr(7))).status).toBe(401);
    const victim = `victim${net}`;
    const held = Promise.all(Array.from({ length: 6 }, () => post(victim, "wrong", addr(7))));
    await new Promise((r) => setTimeout(r, 300));
    expect((await post(victim, "right", addr(8))).status).toBe(302);
    expect((await held).map((r) => r.status)).toEqual(Array(6).fill(429));
    expect(reached.filter((r) => r.includes(`username=${victim}&`))).toHaveLength(1);
  });

  it("counts an IPv6 client's /64 as one address", async () => {
    const prefix = `2001:db8:${net}:1`;
    for (let i = 0; i < LIMIT.perAddress; i += 1) expect((await post(`v6guess${net}-${i}`, "wrong", `${prefix}::${i + 1}`)).status).toBe(401);
    expect((await post("carol", "right", `${prefix}::ffff`)).status).toBe(429);
    expect((await post("carol", "right", `2001:db8:${net}:2::1`)).status).toBe(302);
  });

  it("takes a sign-in only as the page posts it: every other shape is refused before the sign-in, which would read a name the limiter did not count", async () => {
    const a = addr(3);
    const shapes: [string, Promise<Answer>][] = [
      ["the name in the URL", send("POST", "/oauth2/sign_in?username=alice", a, "password=wrong", FORM)],
      ["the name percent-encoded", send("POST", "/oauth2/sign_in", a, "user%6eame=alice&password=wrong", FORM)],
      ["the name twice", send("POST", "/oauth2/sign_in", a, "username=x&username=alice&password=wrong", FORM)],
      ["the fields in another order", send("POST", "/oauth2/sign_in", a, "password=wrong&username=alice", FORM)],
      ["a field more", send("POST", "/oauth2/sign_in", a, `${signInForm("alice", "wrong")}&username=x`, FORM)],
      [
        "a multipart body",
        send(
          "POST",
          "/oauth2/sign_in",
          a,
          '--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice\r\n--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nwrong\r\n--b--\r\n',
          { "Content-Type": "multipart/form-data; boundary=b" },
        ),
      ],
      ["JSON", send("POST", "/oauth2/sign_in", a, '{"username":"alice","password":"wrong"}', { "Content-Type": "application/json" })],
      ["a body over 4 KiB", send("POST", "/oauth2/sign_in", a, signInForm("alice", "x".repeat(5000)), FORM)],
      ["a body over 4 KiB in chunks", send("POST", "/oauth2/sign_in", a, signInForm("alice", "x".repeat(5000)), { ...FORM, "Transfer-Encoding": "chunked" })],
      ["no client address", send("POST", "/oauth2/sign_in", undefined, signInForm("alice", "wrong"), FORM)],
      ["a name with a line break", send("POST", "/oauth2/sign_in", a, signInForm("mallory\n10.0.0.1 - alice [AuthSuccess]", "wrong"), FORM)],
    ];
    for (const [what, answer] of shapes) expect((await answer).status, what).toBe(400);
    // Basic credentials, which the sign-in would check on any request, never reach it.
    expect((await send("GET", "/user/alice/py/", a, "", { Authorization: "Basic YWxpY2U6d3Jvbmc=" })).status).toBe(200);
    expect(reached.at(-1)).toBe("GET /user/alice/py/ ");
    expect(seenAuthorization).toBe(false);
    reached = [];
    // Posts anywhere else: nothing to check a password there.
    expect((await send("POST", "/oauth2/sign%5Fin", a, signInForm("alice", "wrong"), FORM)).status).toBe(403);
    expect((await send("POST", "/user/alice/py/api/contents", a, "{}", { "Content-Type": "application/json" })).status).toBe(403);
    expect(reached).toEqual([]);
  });
});
