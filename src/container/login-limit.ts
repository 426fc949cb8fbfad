// The limiter's config: HAProxy between the front door's proxy and the sign-in (method
// password). It counts the sign-in's refusals (401, a wrong password) per user name and
// per client address, and once either has had its number within the window, answers
// that name's or address's sign-ins itself (429, after a pause): no password check, so
// no bcrypt.
// Signed-in users never pass here (the session check answers their requests).
import type { FailedSignInsModel } from "../model/front-door";

/** What the limiter needs to know besides the limit. */
export interface LimiterPlace {
  /** The port it listens on, on the login's network. */
  readonly port: number;
  /** The sign-in, `name:port`, found by Docker's DNS (it may be replaced, and come back elsewhere). */
  readonly signIn: string;
  /** The path the sign-in form is posted to. */
  readonly signInPath: string;
  /**
   * On a Swarm, TLS both ways: the limiter's certificate and key (one PEM file), and the
   * CA and name the sign-in's certificate must have.
   */
  readonly tls?: { readonly pem: string; readonly ca: string; readonly signInName: string };
}

/** Sign-ins the sign-in checks at a time; the others wait in the limiter's queue, at most QUEUE_SECONDS. */
export const CHECKS_AT_ONCE = 4;
export const QUEUE_SECONDS = 60;

/** How long a refused sign-in is held before its 429. */
export const TARPIT_SECONDS = 2;

/** The largest sign-in form taken: the page's fields (rd, username, password) fit many times over. */
export const SIGN_IN_FORM_MAX_BYTES = 4096;

/**
 * The one shape a password sign-in is taken in: the page's form, its fields in its order,
 * each once. oauth2-proxy (Go) would also read a field from the URL, from a multipart
 * body, under a percent-encoded name or twice; the limiter counts by the name it reads,
 * so every other shape is refused before either reads it.
 */
const SIGN_IN_FORM = "^(rd=[^&]*&)?username=[^&]*&password=[^&]*$";

function tooMany(windowSeconds: number): string {
  const minutes = Math.ceil(windowSeconds / 60);
  return (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>Too many failed sign-ins</title></head>" +
    `<body><h1>Too many failed sign-ins</h1><p>Signing in is paused for this name or from this address after too many wrong passwords. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.</p>` +
    "<p><a href=/>Back</a></p></body></html>"
  );
}

/** The sign-in reached over TLS: its certificate of the CA, for its name, or no request. */
function serverTls(tls: LimiterPlace["tls"]): string {
  if (tls === undefined) return "";
  return ` ssl verify required ca-file ${tls.ca} verifyhost ${tls.signInName} sni str(${tls.signInName}) ssl-min-ver TLSv1.3`;
}

/** HAProxy's config for the limiter of `limit`, at `place`. */
export function renderLimiterConfig(limit: FailedSignInsModel, place: LimiterPlace): string {
  const w = `${limit.windowSeconds}s`;
  const refusal = `deny_status 429 content-type "text/html; charset=utf-8" hdr Retry-After ${limit.windowSeconds} string "${tooMany(limit.windowSeconds)}"`;
  return `${[
    "# The limit on wrong passwords in front of the sign-in: written by homedock.",
    "global",
    "\tnbthread 1",
    "\tmaxconn 512",
    "\tlog stdout format raw local0 info",
    "",
    "defaults",
    "\tmode http",
    "\tlog global",
    "\toption httplog",
    "\ttimeout connect 5s",
    "\ttimeout client 30s",
    "\ttimeout server 30s",
    // A form sent slowly holds a connection no longer than this.
    "\ttimeout http-request 10s",
    `\ttimeout tarpit ${TARPIT_SECONDS}s`,
    "",
    // Docker's own DNS: the sign-in is found again when it is replaced.
    "resolvers docker",
    "\tnameserver docker 127.0.0.11:53",
    "\thold valid 10s",
    "",
    // Failed sign-ins over the window: per user name, and per address (an IPv6 client's /64).
    "backend per_user",
    `\tstick-table type string len 64 size 100k expire ${w} store gpc0_rate(${w})`,
    "",
    "backend per_address",
    `\tstick-table type ipv6 size 100k expire ${w} store gpc0_rate(${w})`,
    "",
    "frontend sign_in",
    `\tbind :${place.port}${place.tls === undefined ? "" : ` ssl crt ${place.tls.pem} ssl-min-ver TLSv1.3`}`,
    "\toption http-buffer-request",
    // Only posts are logged: who was refused, from where (the proxy's X-Real-IP).
    // The sign-in would check Basic credentials on any request, past the limit's count;
    // the proxy removes them, and so does the limiter.
    "\thttp-request del-header Authorization",
    "\thttp-request capture req.hdr(X-Real-IP) len 45",
    "\thttp-request set-log-level silent unless METH_POST",
    `\tacl sign_in path ${place.signInPath}`,
    "\tacl form_type req.hdr(content-type) -m reg -i ^application/x-www-form-urlencoded(;.*)?$",
    `\tacl the_form req.body -m reg ${SIGN_IN_FORM}`,
    `\tacl small req.body_size le ${SIGN_IN_FORM_MAX_BYTES}`,
    "\tacl has_address req.hdr_ip(X-Real-IP) -m found",
    // A name with a line break would write lines of its own into the sign-in's log.
    "\tacl name_controls req.body_param(username),url_dec -m reg [[:cntrl:]]",
    // A password is checked only where the form is posted; nothing else is posted here.
    '\thttp-request return status 403 content-type "text/plain; charset=utf-8" string "sign in first" if METH_POST !sign_in',
    '\thttp-request return status 400 content-type "text/plain; charset=utf-8" string "expected the sign-in form" if METH_POST !form_type || METH_POST !small || METH_POST !the_form || METH_POST { query -m found } || METH_POST !has_address || METH_POST name_controls',
    // A failure is counted when the sign-in answers: guesses sent side by side would all
    // pass before the first is counted. So the sign-ins under way (this one among them:
    // the trackers of its key) count as failures until they are answered. The address
    // first: a refused address adds no name to the names' table, and holds no name's
    // sign-ins under way (which would refuse that name to everyone else).
    "\thttp-request track-sc0 req.hdr_ip(X-Real-IP),ipmask(32,64) table per_address if METH_POST",
    "\thttp-request set-var(txn.address_under_way) sc_trackers(0) if METH_POST",
    `\tacl address_over sc_gpc0_rate(0),add(txn.address_under_way) gt ${limit.perAddress}`,
    // Held for the tarpit's time first: a refused guesser's next guess waits, and a flood
    // past the limit comes no faster than the sign-in would have answered it.
    `\thttp-request tarpit ${refusal} if METH_POST address_over`,
    "\thttp-request track-sc1 req.body_param(username),url_dec,lower table per_user if METH_POST",
    "\thttp-request set-var(txn.name_under_way) sc_trackers(1) if METH_POST",
    `\tacl name_over sc_gpc0_rate(1),add(txn.name_under_way) gt ${limit.perUser}`,
    `\thttp-request tarpit ${refusal} if METH_POST name_over`,
    // A wrong password: the sign-in's 401.
    "\thttp-response sc-inc-gpc0(0) if { status 401 }",
    "\thttp-response sc-inc-gpc0(1) if { status 401 }",
    "\tdefault_backend sign_in",
    "",
    "backend sign_in",
    // A few checks at a time, the rest queued here: each is answered well within the
    // server timeout (bcrypt at the sign-in's CPU), so none ends uncounted in a 504; one
    // queued too long gets 503 without a check.
    `\ttimeout queue ${QUEUE_SECONDS}s`,
    `\tserver sign_in ${place.signIn} resolvers docker init-addr last,libc,none maxconn ${CHECKS_AT_ONCE}${serverTls(place.tls)}`,
  ].join("\n")}\n`;
}
