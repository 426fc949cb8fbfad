// `homedock users check`, without Docker: the config's users against what the Docker
// host's account database and homes say. Pure: model and snapshot in, findings out.
import type { HostModel, UserModel } from "../model/model";
import type { Account, AccountDatabase } from "./account-db";

/** A home as the host has it: owner and type, or missing. */
export type HomeState = { readonly uid: number; readonly gid: number; readonly type: string } | "missing";

/** What the host says: its account database and each home the config names. */
export interface HostSnapshot {
  readonly db: AccountDatabase;
  /** By home path, for every home the config names. */
  readonly homes: ReadonlyMap<string, HomeState>;
}

export interface Finding {
  /** error: a workspace would run as the wrong user (or with the wrong groups); warning: worth a look. */
  readonly severity: "error" | "warning";
  readonly kind:
    | "account-missing"
    | "uid-differs"
    | "uid-taken"
    | "gid-differs"
    | "home-differs"
    | "home-owner"
    | "home-not-directory"
    | "home-missing"
    | "group-extra"
    | "group-missing"
    | "group-empty";
  readonly user?: string;
  /** For a group restriction: the environment's name. */
  readonly environment?: string;
  readonly message: string;
}

/** The database's groups by gid and the gids each account name is listed in. */
function indexes(db: AccountDatabase) {
  const byUid = new Map<number, Account>();
  for (const a of db.accounts) if (!byUid.has(a.uid)) byUid.set(a.uid, a);
  const listedIn = new Map<string, Set<number>>();
  const groupNames = new Map<string, number>();
  for (const g of db.groups) {
    groupNames.set(g.name, g.gid);
    for (const m of g.members) listedIn.set(m, (listedIn.get(m) ?? new Set()).add(g.gid));
  }
  return { byName: new Map(db.accounts.map((a) => [a.name, a])), byUid, listedIn, groupNames };
}

type Indexes = ReturnType<typeof indexes>;

function checkUser(user: UserModel, model: HostModel, snapshot: HostSnapshot, ix: Indexes, out: Finding[]): void {
  const add = (severity: Finding["severity"], kind: Finding["kind"], message: string) =>
    out.push({ severity, kind, user: user.name, message: `${user.name}: ${message}` });
  const account = ix.byName.get(user.name);
  const holder = ix.byUid.get(user.uid);
  if (account === undefined) add("error", "account-missing", "no such account on the host");
  else {
    if (account.uid !== user.uid) add("error", "uid-differs", `uid ${user.uid} in the config, ${account.uid} on the host`);
    if (account.gid !== user.gid) add("error", "gid-differs", `gid ${user.gid} in the config, ${account.gid} on the host`);
    if (account.home !== user.home) add("error", "home-differs", `home ${user.home} in the config, ${account.home} on the host`);
  }
  if (holder !== undefined && holder.name !== user.name) {
    add("error", "uid-taken", `uid ${user.uid} is ${holder.name}'s on the host: the workspace would run as ${holder.name}`);
  }

  const home = snapshot.homes.get(user.home) ?? "missing";
  if (home === "missing") {
    // A home the deploy creates is no drift; one it cannot create fails the deploy.
    if (!model.createHomes) add("warning", "home-missing", `home ${user.home} does not exist on the host (createHomes is false: the deploy fails)`);
  } else if (home.type !== "directory") {
    add("error", "home-not-directory", `home ${user.home} is a ${home.type} on the host, not a directory`);
  } else if (home.uid !== user.uid) {
    const why = account !== undefined && account.uid === home.uid ? "" : " (was the account re-created?)";
    add("error", "home-owner", `home ${user.home} is owned by uid ${home.uid}, the workspace runs as uid ${user.uid}${why}`);
  }

  if (account === undefined) return;
  const listed = ix.listedIn.get(user.name) ?? new Set<number>();
  for (const gid of user.supplementaryGids) {
    if (!listed.has(gid) && gid !== account.gid) {
      add("error", "group-extra", `supplementary gid ${gid} in the config, but the host does not list ${user.name} in that group`);
    }
  }
  for (const group of user.groups) {
    const gid = ix.groupNames.get(group);
    if (gid === undefined || (gid !== account.gid && !listed.has(gid))) {
      add("warning", "group-missing", `in group "${group}" in the config, not on the host`);
    }
  }
}

/** Every difference between the config's users and the host, users in config order, then group restrictions. */
export function compareWithHost(model: HostModel, snapshot: HostSnapshot): Finding[] {
  const ix = indexes(snapshot.db);
  const out: Finding[] = [];
  for (const user of model.users) checkUser(user, model, snapshot, ix, out);
  const held = new Set<number>();
  for (const a of snapshot.db.accounts) held.add(a.gid);
  for (const gids of ix.listedIn.values()) for (const gid of gids) held.add(gid);
  for (const env of model.environments) {
    for (const group of env.groups ?? []) {
      const gid = ix.groupNames.get(group);
      if (gid === undefined || !held.has(gid)) {
        out.push({
          severity: "warning",
          kind: "group-empty",
          environment: env.name,
          message: `environment ${env.name}: no account on the host is in group "${group}"${gid === undefined ? " (no such group)" : ""}`,
        });
      }
    }
  }
  return out;
}
