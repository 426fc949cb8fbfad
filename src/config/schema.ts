// The config file's schema: one definition that validates YAML input, types the
// result and generates the JSON Schema editors use (see schema.ts).
import { FAILED_SIGN_INS_DEFAULTS } from "./defaults";
import { z } from "zod";
import { MAX_ACCOUNT_ID } from "./ids";

/** A user or environment name: a safe path component, a Docker name part, a Terraform id part. */
export const NAME_PATTERN = /^[a-z_][a-z0-9_-]{0,31}$/;
const NAME_EXPECTED = "1-32 characters: lowercase letters, digits, '_' or '-', starting with a letter or '_'";
/** A directory name inside a home: no '/', no leading '.' or '-', no control characters. */
const DIR_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}$/;
const DIR_EXPECTED = "1-64 characters: letters, digits, '_', '.', '+' or '-', not starting with '.' or '-'";
/** An absolute, normalized path: no '.', '..', '//' or trailing '/' and no control characters. */
export const ABS_PATH_PATTERN = /^(\/(?!\.\.?(?:\/|$))[^/\0-\x1f\x7f]+)+$/;
const ABS_PATH_EXPECTED = "an absolute path like /srv/data, without '.', '..', '//' or a trailing '/'";
const MEMORY_PATTERN = /^([0-9]+(?:\.[0-9]+)?)([bkmgBKMG])$/;
const MEMORY_EXPECTED = "a size like 512m or 2g (units b, k, m, g), at least 6m";
const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Any name but the variables homedock sets itself, which an environment may not override. */
const NOT_RESERVED_ENV = /^(?!(HOME|IPYTHONDIR|JUPYTER_CONFIG_DIR|JUPYTER_DATA_DIR|JUPYTER_TOKEN|HOMEDOCK_.*)$)/;

// Docker's image reference grammar (distribution/reference): [domain/]path[:tag][@digest].
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
// The grammar's separator is [._]|__|[-]*; "-+" here matches the same names, and with no
// empty separator no name can be split two ways, so a long name cannot make the match
// backtrack exponentially.
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const IMAGE_PATTERN = new RegExp(
  `^(?=.{1,255}(?:[:@]|$))(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*` +
    "(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,})?$",
);
const IMAGE_EXPECTED = "a Docker image reference like registry.example.org/course/python:2026.1";

const expected = (what: string) => ({ error: `expected ${what}` });

export const name = z.string(expected(NAME_EXPECTED)).regex(NAME_PATTERN, expected(NAME_EXPECTED));
export const absolutePath = z.string(expected(ABS_PATH_EXPECTED)).regex(ABS_PATH_PATTERN, expected(ABS_PATH_EXPECTED));
const id = (what: string) =>
  z
    .number(expected(`a ${what}: a whole number from 1 to ${MAX_ACCOUNT_ID}`))
    .int(expected(`a ${what}: a whole number from 1 to ${MAX_ACCOUNT_ID}`))
    .min(0, expected(`a ${what}: a whole number from 1 to ${MAX_ACCOUNT_ID}`))
    .max(MAX_ACCOUNT_ID, expected(`a ${what}: a whole number from 1 to ${MAX_ACCOUNT_ID}`));

/** Memory as Docker writes it ("512m", "2g"), parsed to whole MiB. */
export const memory = z
  .string(expected(MEMORY_EXPECTED))
  .regex(MEMORY_PATTERN, expected(MEMORY_EXPECTED))
  .transform((value, ctx) => {
    const [, amount, unit] = MEMORY_PATTERN.exec(value)!;
    const scale = { b: 1 / 2 ** 20, k: 1 / 1024, m: 1, g: 1024 }[unit.toLowerCase() as "b"];
    const mib = Number(amount) * scale;
    if (!Number.isInteger(mib) || mib < 6) {
      ctx.addIssue({ code: "custom", message: `expected ${MEMORY_EXPECTED}, in whole MiB` });
      return z.NEVER;
    }
    return mib;
  });

const CPUS_EXPECTED = "a number of CPUs greater than 0, like 1 or 1.5 (at most 9 decimals)";
/**
 * CPUs as a positive number, kept as whole nano-CPUs so both renderers print it exactly.
 * "Not zero" is "has a digit 1-9", checked in one pass over however many zeros.
 */
export const cpus = z
  .union([z.number().gt(0, expected(CPUS_EXPECTED)), z.string().regex(/^(?=[0-9.]*[1-9])[0-9]+(\.[0-9]+)?$/, expected(CPUS_EXPECTED))], expected(CPUS_EXPECTED))
  .transform((value, ctx) => {
    const nano = Math.round(Number(value) * 1e9);
    if (!(nano > 0) || !Number.isSafeInteger(nano) || Math.abs(nano - Number(value) * 1e9) > 1e-3) {
      ctx.addIssue({ code: "custom", message: `expected ${CPUS_EXPECTED}` });
      return z.NEVER;
    }
    return nano;
  });

const RESTART = ["no", "always", "unless-stopped", "on-failure"] as const;
const JUPYTER = ["server", "notebook"] as const;
const IDLE_EXPECTED = "a whole number of seconds from 60 to 31536000";
const IDLE_SERVER_EXPECTED = "a whole number of seconds from 10 to 31536000";
/** Seconds without activity after which a workspace's server stops (see the README, "Idle workspaces"). */
const idleTimeout = z
  .number(expected(IDLE_SERVER_EXPECTED))
  .int(expected(IDLE_SERVER_EXPECTED))
  .min(10, expected(IDLE_SERVER_EXPECTED))
  .max(31_536_000, expected(IDLE_SERVER_EXPECTED));
const TLS = ["internal", "acme", "files"] as const;

/** A host name (RFC 1123 labels) or an IPv4 address: nothing a URL or a Caddyfile would read as more. */
const SITE_PATTERN = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const SITE_EXPECTED = "a host name like lab.example.org or an IPv4 address, without scheme, port or path";
const IPV4_PATTERN = /^(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$/;
const IPV4_EXPECTED = "an IPv4 address like 127.0.0.1 or 0.0.0.0";
const EMAIL_PATTERN = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
const port = (what: string) =>
  z
    .number(expected(`a ${what} port number from 1 to 65535`))
    .int(expected(`a ${what} port number from 1 to 65535`))
    .min(1, expected(`a ${what} port number from 1 to 65535`))
    .max(65535, expected(`a ${what} port number from 1 to 65535`));

const PIDS_EXPECTED = "a whole number of processes from 16 to 1000000";
const pidsLimit = z.number(expected(PIDS_EXPECTED)).int(expected(PIDS_EXPECTED)).min(16, expected(PIDS_EXPECTED)).max(1_000_000, expected(PIDS_EXPECTED));

const limits = {
  /** Memory limit of each workspace (swap is held to the same value). */
  memory: memory.optional(),
  /** CPU limit of each workspace. */
  cpus: cpus.optional(),
};

export const sharedMountSchema = z.strictObject(
  {
    /** Directory on the Docker host. */
    source: absolutePath,
    /** Where it appears in every workspace. @default source */
    target: absolutePath.optional(),
    /** Mount read-write for everyone who gets it. Shared data is read-only unless this says otherwise. @default false */
    writable: z.boolean(expected("true or false")).default(false),
    /** Only users in one of these groups get this mount. @default everyone */
    groups: z.array(name, expected("a list of group names")).optional(),
    /** Users in one of these groups get it read-write, the others who get it read-only. @default nobody */
    writableFor: z.array(name, expected("a list of group names")).optional(),
  },
  expected("a mapping with source (and target, writable, groups, writableFor)"),
);

export const environmentSchema = z.strictObject(
  {
    /** Identifies the environment; also the default directory name inside each home. */
    name,
    /** Docker image reference. */
    image: z.string(expected(IMAGE_EXPECTED)).regex(IMAGE_PATTERN, expected(IMAGE_EXPECTED)),
    /** Human-readable name. @default name */
    displayName: z.string(expected("a string")).min(1, expected("a non-empty string")).optional(),
    /** Directory inside each home that holds this environment's files. @default name */
    dir: z.string(expected(DIR_EXPECTED)).regex(DIR_PATTERN, expected(DIR_EXPECTED)).optional(),
    /** Directory in the image whose files are copied into the environment directory. @default /home/jovyan */
    seedDir: absolutePath.default("/home/jovyan"),
    /** Names (relative to seedDir) never copied. @default [".cache"] */
    seedExcludes: z
      .array(
        z
          .string(expected("a relative path inside the seed directory"))
          .regex(/^[^/\0\n\t][^\0\n\t]*$/, expected("a relative path without tabs or newlines"))
          .regex(/^(?!(.*\/)?\.\.(\/|$))/, expected("a relative path without '..'")),
        expected("a list of relative paths"),
      )
      .default([".cache"]),
    /** The server command and its arguments. */
    command: z
      .array(z.string(expected("a string")), expected("a list of strings (the command and its arguments)"))
      .min(1, expected("a non-empty list (the command and its arguments)")),
    /** Extra environment variables for the server. */
    env: z
      .record(
        z
          .string()
          .regex(ENV_KEY_PATTERN, expected("a variable name (letters, digits, '_')"))
          .regex(NOT_RESERVED_ENV, expected("a variable homedock does not set itself")),
        z.string(expected("a string value")),
        expected("a map of variable names to string values"),
      )
      .default({}),
    /** Only users in one of these groups get this environment. @default everyone */
    groups: z.array(name, expected("a list of group names")).optional(),
    /** Run with a read-only root filesystem and a private tmpfs on /tmp. @default false */
    readOnlyRoot: z.boolean(expected("true or false")).default(false),
    /** Processes one workspace may run. @default host.defaults.pidsLimit */
    pidsLimit: pidsLimit.optional(),
    /**
     * Which Jupyter the command starts, so that homedock can add the flags the front door
     * needs: server (jupyter_server: `jupyter server`, `jupyter lab`, Notebook 7) or
     * notebook (classic Notebook 6.x). @default not Jupyter: no flags, no route
     */
    jupyter: z.enum(JUPYTER, expected(`one of ${JUPYTER.join(", ")}`)).optional(),
    /** Seconds after which an idle kernel is shut down (Jupyter's kernel culling); needs jupyter. */
    idleKernelTimeout: z
      .number(expected(IDLE_EXPECTED))
      .int(expected(IDLE_EXPECTED))
      .min(60, expected(IDLE_EXPECTED))
      .max(31_536_000, expected(IDLE_EXPECTED))
      .optional(),
    /**
     * Seconds without activity (a busy kernel, a terminal, a request from a browser) after
     * which the workspace's server stops; its owner's next page load starts it again. Needs
     * jupyter and a front door. @default host.defaults.idleTimeout (off)
     */
    idleTimeout: idleTimeout.optional(),
    ...limits,
  },
  expected("a mapping with name, image and command"),
);

const IDENTITY_EXPECTED = "a claim value like alice or alice@example.org: 1-254 letters, digits or ._%+@:=-, starting with a letter, digit or '_'";
// Nothing the front door's matchers read as a pattern (a leading "~", a "*"), no space or quote.
const IDENTITY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._%+@:=-]{0,253}$/;

const NODE_EXPECTED = "a node label value: 1-63 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit";
/**
 * A Swarm node's name: the value of its `homedock.node` label, matched by a placement
 * constraint (`node.labels.homedock.node == <name>`). Nothing a constraint reads as an
 * operator or a space; lowercase, so that no two names differ by case alone.
 */
const nodeName = z.string(expected(NODE_EXPECTED)).regex(/^[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?$/, expected(NODE_EXPECTED));

export const swarmNodeSchema = z.strictObject(
  {
    /** The node's `homedock.node` label: `docker node update --label-add homedock.node=<name> <node>`. */
    name: nodeName,
  },
  expected("a mapping with name"),
);

export const swarmSchema = z.strictObject(
  {
    /** The Swarm's nodes that run workspaces, each found by its `homedock.node` label. */
    nodes: z.array(swarmNodeSchema, expected("a list of nodes")).min(1, expected("at least one node")),
  },
  expected("a mapping with nodes"),
);

export const userSchema = z.strictObject(
  {
    /** Account name; also the default home directory name. */
    name,
    /** Numeric user id on the host. */
    uid: id("uid"),
    /** Numeric primary group id on the host. */
    gid: id("gid"),
    /** Home directory on the host, mounted at the same path. @default <homeRoot>/<name> */
    home: absolutePath.optional(),
    /** Supplementary group ids the server runs with. */
    supplementaryGids: z.array(id("gid"), expected("a list of gids")).default([]),
    /** Group names that grant access to restricted environments. */
    groups: z.array(name, expected("a list of group names")).default([]),
    /** Allow uid or gid 0. Workspaces never run as root unless this says so. @default false */
    allowRoot: z.boolean(expected("true or false")).default(false),
    /** The value of frontDoor.login.claim that signs this user in (login method oidc), e.g. their email. @default the user's name */
    identity: z.string(expected(IDENTITY_EXPECTED)).regex(IDENTITY_PATTERN, expected(IDENTITY_EXPECTED)).optional(),
    /** The Swarm node (one of swarm.nodes) the user's workspaces run on. @default a stable choice among swarm.nodes (needs a swarm section) */
    node: nodeName.optional(),
    ...limits,
  },
  expected("a mapping with name, uid and gid"),
);

export const hostSchema = z.strictObject(
  {
    /** Names the stack, the Compose project and the prefix of every container name. @default homedock */
    name: name.default("homedock"),
    /** Where homes live unless a user names one. @default /home */
    homeRoot: absolutePath.default("/home"),
    /**
     * Whether the deploy creates a missing home (a one-shot container per user). false
     * when homes are made elsewhere (useradd -m, pam_mkhomedir, an NFS automount): no
     * container per user, and a missing home fails the deploy, naming the path.
     * @default true
     */
    createHomes: z.boolean(expected("true or false")).default(true),
    /** Mode given to a home that the deploy creates (an existing home is never touched). @default "0700" */
    homeMode: z
      .string(expected("an octal mode like 0700"))
      .regex(/^0?[0-7]{3}$/, expected("an octal mode like 0700"))
      .transform((m) => m.padStart(4, "0"))
      .default("0700"),
    /** Docker network the workspaces join. @default the host name */
    network: name.optional(),
    /** Image that creates missing homes (needs /bin/sh, ls, chmod, chown, mkdir, mv, cat). @default the user's first environment's image */
    initImage: z.string(expected(IMAGE_EXPECTED)).regex(IMAGE_PATTERN, expected(IMAGE_EXPECTED)).optional(),
    /** Directories from the host in every workspace. @default [{ source: /srv/data }] read-only */
    sharedMounts: z.array(sharedMountSchema, expected("a list of mounts")).default([{ source: "/srv/data", writable: false }]),
    /** Limits and restart policy of every workspace unless its environment or user says otherwise. */
    defaults: z
      .strictObject(
        {
          /** @default 2g */
          memory: memory.default(2048),
          /** @default 1 */
          cpus: cpus.default(1e9),
          /** Docker restart policy. @default unless-stopped */
          restart: z.enum(RESTART, expected(`one of ${RESTART.join(", ")}`)).default("unless-stopped"),
          /** Processes one workspace may run: a fork bomb stops there. @default 1024 */
          pidsLimit: pidsLimit.default(1024),
          /** idleTimeout of every Jupyter environment that sets none. Needs a front door. @default off */
          idleTimeout: idleTimeout.optional(),
        },
        expected("a mapping of memory, cpus, restart, pidsLimit, idleTimeout"),
      )
      .prefault({}),
  },
  expected("a mapping of host settings"),
);

const LOGIN = ["password", "oidc"] as const;
const DURATION_PATTERN = /^(?=[0-9])(?:([0-9]{1,4})h)?(?:([0-9]{1,6})m)?(?:([0-9]{1,8})s)?$/;
/** A duration as oauth2-proxy and Go write it (8h, 1h30m) from `min` to `max` seconds, parsed to whole seconds. */
function duration(min: number, max: number, expectedText: string) {
  return z
    .string(expected(expectedText))
    .regex(DURATION_PATTERN, expected(expectedText))
    .transform((value, ctx) => {
      const [, h = "0", m = "0", s = "0"] = DURATION_PATTERN.exec(value)!;
      const seconds = Number(h) * 3600 + Number(m) * 60 + Number(s);
      if (seconds < min || seconds > max) {
        ctx.addIssue({ code: "custom", message: `expected ${expectedText}` });
        return z.NEVER;
      }
      return seconds;
    });
}
const SESSION_EXPECTED = "a duration like 8h, 90m or 1h30m (h, m, s), from 1m to 30 days";
const WINDOW_EXPECTED = "a duration like 10m or 1h (h, m, s), from 1m to 24h";
const FAILURES_EXPECTED = (what: string) => `a whole number of failed sign-ins ${what}, from 1 to 100000`;
const failures = (what: string) =>
  z
    .number(expected(FAILURES_EXPECTED(what)))
    .int(expected(FAILURES_EXPECTED(what)))
    .min(1, expected(FAILURES_EXPECTED(what)))
    .max(100_000, expected(FAILURES_EXPECTED(what)));

/** How many wrong passwords the sign-in takes before it refuses, per user name and per client address (method password). */
export const failedSignInsSchema = z.strictObject(
  {
    /** Failed sign-ins for one user name within the window; then that name is refused, right password or not, until the window has fewer. @default 10 */
    perUser: failures("for one user name").default(FAILED_SIGN_INS_DEFAULTS.perUser),
    /** Failed sign-ins from one client address (an IPv6 client's /64) within the window; then that address is refused. @default 50 */
    perAddress: failures("from one address").default(FAILED_SIGN_INS_DEFAULTS.perAddress),
    /** The window failed sign-ins are counted over. @default 10m */
    window: duration(60, 86_400, WINDOW_EXPECTED).default(FAILED_SIGN_INS_DEFAULTS.window),
    /** The limiter's image: HAProxy 2.6 or later. @default haproxy:3.0.5 */
    image: z.string(expected(IMAGE_EXPECTED)).regex(IMAGE_PATTERN, expected(IMAGE_EXPECTED)).default(FAILED_SIGN_INS_DEFAULTS.image),
  },
  expected("a mapping with perUser, perAddress, window (and image)"),
);

const ISSUER_EXPECTED = "an https URL like https://login.example.org/realms/course (http only on a loopback address, for tests), without query or fragment";
const ISSUER_PATTERN = /^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~%!$&'()*+,;=:@-]*)*$/;
const CLIENT_ID_EXPECTED = "an OAuth client id: 1-255 letters, digits or -._~:@";
const CLAIM_EXPECTED = "an ID token claim name like email or preferred_username (letters, digits, '_', '-', '.', ':')";
const CLAIM_PATTERN = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

export const loginSchema = z.strictObject(
  {
    /**
     * password: a sign-in page for the passwords homedock passwd sets; oidc: the
     * institution's accounts through an OpenID Connect provider (issuer, clientId, and the
     * client secret homedock passwd --client-secret keeps). @default password
     */
    method: z.enum(LOGIN, expected(`one of ${LOGIN.join(", ")}`)).default("password"),
    /** How long a sign-in lasts before the front door asks again. @default 8h */
    session: duration(60, 30 * 86_400, SESSION_EXPECTED).default(8 * 3600),
    /** The OpenID Connect provider's issuer URL (oidc). */
    issuer: z.string(expected(ISSUER_EXPECTED)).regex(ISSUER_PATTERN, expected(ISSUER_EXPECTED)).optional(),
    /** The client id homedock is registered with at the provider (oidc). */
    clientId: z
      .string(expected(CLIENT_ID_EXPECTED))
      .regex(/^[A-Za-z0-9._~:@-]{1,255}$/, expected(CLIENT_ID_EXPECTED))
      .optional(),
    /** The ID token claim that names the user; each user's value is users[].identity (oidc). @default preferred_username */
    claim: z.string(expected(CLAIM_EXPECTED)).regex(CLAIM_PATTERN, expected(CLAIM_EXPECTED)).optional(),
    /** A CA certificate (PEM) on the Docker host that the provider's certificate is checked against, for a provider behind a private CA (oidc). @default the image's trust store */
    caFile: absolutePath.optional(),
    /** The login's image: oauth2-proxy 7.15 or later. @default quay.io/oauth2-proxy/oauth2-proxy:v7.15.6 */
    image: z.string(expected(IMAGE_EXPECTED)).regex(IMAGE_PATTERN, expected(IMAGE_EXPECTED)).default("quay.io/oauth2-proxy/oauth2-proxy:v7.15.6"),
    /** Memory limit of each of the login's two containers. @default 128m */
    memory: memory.default(128),
    /** CPU limit of the sign-in container, where passwords are checked: what a flood of wrong passwords can take. @default 0.5 */
    cpus: cpus.default(5e8),
    /** The limit on wrong passwords (method password): a limiter in front of the sign-in counts them per user name and per address. @default on, 10 per user and 50 per address in 10m */
    failedSignIns: failedSignInsSchema.optional(),
  },
  expected("a mapping with method (and session, issuer, clientId, claim, caFile, image, memory, cpus, failedSignIns)"),
);

export const frontDoorSchema = z.strictObject(
  {
    /** The host name (or IPv4 address) in every URL: https://<site>/user/<user>/<env>/. */
    site: z.string(expected(SITE_EXPECTED)).regex(SITE_PATTERN, expected(SITE_EXPECTED)),
    /** Addresses on the Docker host the ports are published on. @default ["0.0.0.0"] */
    listen: z
      .array(z.string(expected(IPV4_EXPECTED)).regex(IPV4_PATTERN, expected(IPV4_EXPECTED)), expected("a list of IPv4 addresses"))
      .min(1, expected("at least one address"))
      .default(["0.0.0.0"]),
    /** Host port published for HTTPS. @default 443 */
    httpsPort: port("HTTPS").default(443),
    /** Host port published for ACME challenges and the redirect to HTTPS. @default 80 */
    httpPort: port("HTTP").default(80),
    /**
     * internal: Caddy's own CA (LANs, tests); acme: a certificate from Let's Encrypt
     * (public DNS, ports 80 and 443 reachable, needs email); files: certFile and keyFile.
     * @default internal
     */
    tls: z.enum(TLS, expected(`one of ${TLS.join(", ")}`)).default("internal"),
    /** Contact address for the ACME account (tls: acme). */
    email: z.string(expected("an email address")).regex(EMAIL_PATTERN, expected("an email address")).optional(),
    /** Certificate chain (PEM) on the Docker host (tls: files). */
    certFile: absolutePath.optional(),
    /** Its private key (PEM) on the Docker host (tls: files). */
    keyFile: absolutePath.optional(),
    /** The proxy's image: Caddy 2.6 or later, with /bin/sh. @default caddy:2 */
    image: z.string(expected(IMAGE_EXPECTED)).regex(IMAGE_PATTERN, expected(IMAGE_EXPECTED)).default("caddy:2"),
    /** Where the workspaces' socket directories are on the Docker host: <runtimeRoot>/<host>/<user>/<env>. @default /var/lib/homedock */
    runtimeRoot: absolutePath.default("/var/lib/homedock"),
    /** Memory limit of the proxy (swap is held to the same value). @default 512m */
    memory: memory.default(512),
    /** CPU limit of the proxy. @default 1 */
    cpus: cpus.default(1e9),
    /** Processes (threads included) the proxy may run. @default 512 */
    pidsLimit: pidsLimit.default(512),
    /** How users sign in: a sign-in page with sessions and sign-out. @default { method: password } */
    login: loginSchema.prefault({}),
  },
  expected("a mapping with site (and listen, httpsPort, httpPort, tls, email, certFile, keyFile, image, runtimeRoot, memory, cpus, pidsLimit, login)"),
);

/**
 * The config file's schema (zod): `ConfigInput` is what it accepts, `Config` what it
 * gives. `buildModel` validates with it, then checks across the config what the schema
 * alone does not (unique names, homes and mounts, the front door).
 */
export const configSchema = z.strictObject(
  {
    host: hostSchema.prefault({}),
    /** One proxy in front of every workspace, with a login per user. @default off */
    frontDoor: frontDoorSchema.optional(),
    /** Run the workspaces on a Docker Swarm of these nodes instead of one Docker host. @default off: one host */
    swarm: swarmSchema.optional(),
    environments: z.array(environmentSchema, expected("a list of environments")).min(1, expected("at least one environment")),
    users: z.array(userSchema, expected("a list of users")).default([]),
  },
  expected("a mapping with host, environments and users"),
);

/** What a config file says, after defaults: the input of `buildModel`. */
export type Config = z.output<typeof configSchema>;
/** What a config file (or `new Host(...)` props) may say. */
export type ConfigInput = z.input<typeof configSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type UserConfig = z.output<typeof userSchema>;
export type SharedMountConfig = z.output<typeof sharedMountSchema>;
export type FrontDoorConfig = z.output<typeof frontDoorSchema>;
export type LoginConfig = z.output<typeof loginSchema>;
