// Which accounts of a database become config users, and what the config says of each.
import { ABS_PATH_PATTERN, absolutePath, NAME_PATTERN, name as nameRule } from "../config/schema";
import type { UserModel } from "../model/model";
import { type Account, type AccountDatabase, AccountDatabaseError, type Group } from "./account-db";

/** The regular accounts, as Debian's adduser hands out uids (adduser.conf FIRST_UID..LAST_UID). */
export const DEFAULT_UID_RANGE: readonly [number, number] = [1000, 59999];

export interface Selection {
  /** Accounts by name, whatever their uid. */
  readonly users?: readonly string[];
  /** Accounts in one of these groups (primary group or member list), within the uid range. */
  readonly groups?: readonly string[];
  /** Inclusive. Applies unless only `users` is given. @default DEFAULT_UID_RANGE */
  readonly uidRange?: readonly [number, number];
}

/**
 * One account as the config's users list holds it: supplementary gids are those of the
 * groups whose member list names it (ascending), groups are its group names that some
 * environment restricts on (sorted).
 */
export type ImportedUser = Pick<UserModel, "name" | "uid" | "gid" | "home" | "supplementaryGids" | "groups">;

/** An account the config cannot hold as it is, and why. */
export interface Refusal {
  readonly account: Account;
  readonly reason: string;
}

/** Group lookups built once: by member name and by gid. */
class Memberships {
  private readonly byMember = new Map<string, Group[]>();
  private readonly byGid = new Map<number, Group[]>();

  constructor(groups: readonly Group[]) {
    for (const group of groups) {
      for (const member of group.members) push(this.byMember, member, group);
      push(this.byGid, group.gid, group);
    }
  }

  /** Groups whose member list names the account. */
  listing(account: Account): readonly Group[] {
    return this.byMember.get(account.name) ?? [];
  }

  /** Every group the account is in: its primary group and those that list it. */
  all(account: Account): readonly Group[] {
    return [...(this.byGid.get(account.gid) ?? []), ...this.listing(account)];
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * The accounts a selection names, in database order.
 * @throws AccountDatabaseError when a named user or group is not in the database
 */
export function selectAccounts(db: AccountDatabase, selection: Selection): Account[] {
  const missing: string[] = [];
  const byName = new Set(db.accounts.map((a) => a.name));
  for (const user of selection.users ?? []) if (!byName.has(user)) missing.push(`${db.passwdSource}: no account "${user}"`);
  const groupNames = new Set(db.groups.map((g) => g.name));
  for (const group of selection.groups ?? []) if (!groupNames.has(group)) missing.push(`${db.groupSource}: no group "${group}"`);
  if (missing.length > 0) throw new AccountDatabaseError(missing);

  const named = new Set(selection.users ?? []);
  const byRange = selection.users === undefined || selection.groups !== undefined || selection.uidRange !== undefined;
  const [low, high] = selection.uidRange ?? DEFAULT_UID_RANGE;
  const wanted = new Set(selection.groups ?? []);
  const memberships = new Memberships(db.groups);
  return db.accounts.filter(
    (a) => named.has(a.name) || (byRange && a.uid >= low && a.uid <= high && (wanted.size === 0 || memberships.all(a).some((g) => wanted.has(g.name)))),
  );
}

/** Why the config cannot hold this account, or undefined when it can. */
function refusal(account: Account): string | undefined {
  // The patterns first: the schema itself, which words the reason, costs 20x more (10,000 accounts).
  if (!NAME_PATTERN.test(account.name)) {
    return `name ${JSON.stringify(account.name)}: ${nameRule.safeParse(account.name).error?.issues[0].message}`;
  }
  if (account.uid === 0 || account.gid === 0) return `uid:gid ${account.uid}:${account.gid}: workspaces never run as root`;
  if (!ABS_PATH_PATTERN.test(account.home)) {
    return `home ${JSON.stringify(account.home)}: ${absolutePath.safeParse(account.home).error?.issues[0].message}`;
  }
  return undefined;
}

/**
 * What the config says of each account; those it cannot hold are refused, each with
 * its reason, and the others are imported all the same.
 * @param restricted the group names environments restrict on
 */
export function importedUsers(
  db: AccountDatabase,
  accounts: readonly Account[],
  restricted: ReadonlySet<string>,
): { users: ImportedUser[]; refused: Refusal[] } {
  const memberships = new Memberships(db.groups);
  const users: ImportedUser[] = [];
  const refused: Refusal[] = [];
  for (const account of accounts) {
    const reason = refusal(account);
    if (reason !== undefined) {
      refused.push({ account, reason });
      continue;
    }
    const supplementary = new Set(memberships.listing(account).map((g) => g.gid));
    supplementary.delete(account.gid);
    const groups = new Set(
      memberships
        .all(account)
        .map((g) => g.name)
        .filter((g) => restricted.has(g)),
    );
    users.push({
      name: account.name,
      uid: account.uid,
      gid: account.gid,
      home: account.home,
      supplementaryGids: [...supplementary].sort((a, b) => a - b),
      groups: [...groups].sort(),
    });
  }
  return { users, refused };
}
