#!/bin/sh
# homedock-home: the homes Docker just made, and the users' socket directories, for
# each user of one home image in turn. Runs once, as root with CAP_CHOWN alone, in a
# container that sees nothing of the Docker host but what it makes: each home, bound
# alone (never its parent, so nothing beside them can be touched, whatever the image's
# shell does), and each user's socket tree below the front door's runtime root. Only
# the users whose homes this image makes are given to it (src/container/container.ts).
#
#   $1  the mode a new home gets (host.homeMode)
#   then, for each user, 6 + N arguments:
#     name   the user's name (for messages)
#     home   where the home is mounted, or - when homes are made elsewhere (createHomes off)
#     path   the home's path on the Docker host, as /proc/self/mountinfo writes it
#            (a space as \040, a backslash as \134), or -
#     owner  uid:gid
#     tree   where the user's socket tree is mounted (behind a front door), or -
#   (- for none: the Docker provider refuses an empty argument.)
#     N      how many Jupyter environments follow, then the name of each
#
# One user's failure (a socket directory that is a link, a file where a home should
# be) stops nothing of the others': each user is done in turn, then the script fails,
# naming each user that failed, so the deploy fails and says so.
#
# POSIX sh and ls, chown, chmod, mkdir, mv, cat: busybox has them all.

me=homedock-home
# Nothing here is a pattern: no word is ever expanded into file names.
set -f
say() { printf '%s: %s\n' "$me" "$*" >&2; }

# "uid:gid mode" of a path, not followed.
owner_mode() (
  set -f
  # shellcheck disable=SC2046 # split on purpose: the fields of ls -ldn
  set -- $(ls -ldn -- "$1")
  printf '%s:%s %s' "$3" "$4" "$1"
)

# The mounts of this container as /proc/self/mountinfo lists them, read once (a read
# of it per user took most of the script's time): a line "point root" for each (fields
# 5 and 4, in which the kernel writes a blank, a newline or a backslash as an octal
# escape), in the kernel's order.
nl='
'
mounts=
while read -r _ _ _ root point _; do
  mounts="$mounts$point $root$nl"
done </proc/self/mountinfo

# from: what the bind at "$1" was made from, as /proc/self/mountinfo says it (the path
# within its filesystem of the first mount listed there), "" when no mount is there.
bound_from() {
  from=
  ifs=$IFS
  IFS=$nl
  for line in $mounts; do
    if [ "${line%% *}" = "$1" ]; then
      from=${line#* }
      break
    fi
  done
  IFS=$ifs
}

# One user's home: "$1" where it is mounted, "$2" the mode, "$3" the owner (uid:gid),
# "$4" its path on the Docker host.
# A missing home is made by Docker for this bind: root's, 0755, empty. Only that becomes
# the user's; an existing home, a non-empty directory, another owner or mode, is left
# exactly as it is. What is then not a directory the user may have fails (and is still
# left as it is): a file, a directory of root's, or what a link by that name leads to
# (Docker binds the link's target: /etc, another user's home). No workspace gets it.
make_home() {
  # A link by the home's name is followed by the bind (Docker binds what it leads to):
  # what the mount was made from must end as the home's path does (its own filesystem's
  # path to it; "/" where the home is a filesystem of its own, as a dataset per home is).
  bound_from "$1"
  if [ -z "$from" ] || { [ "$from" != / ] && [ "${from##*/}" != "${4##*/}" ]; }; then
    say "$name: the home is bound from ${from:-nowhere} (a link?), not from ${4}: left as it is"
    return 1
  fi
  if [ ! -d "$1" ]; then
    say "$name: the home is not a directory: left as it is"
    return 1
  fi
  now=$(owner_mode "$1")
  if [ "$now" = "0:0 drwxr-xr-x" ] && [ -z "$(ls -A -- "$1")" ]; then
    # The mode first, while root owns it: after the chown only CAP_FOWNER could.
    if ! { chmod "$2" "$1" && chown "$3" "$1"; }; then
      say "$name: could not give the new home to $3"
      return 1
    fi
    now=$(owner_mode "$1")
  fi
  # Still root's: not made by Docker just now, or not empty (a home of another uid is left
  # to the admin: an account made again with a new uid; homedock users check says so).
  if [ "${now%%:*}" = 0 ] && [ "${3%%:*}" != 0 ]; then
    say "$name: the home is root's, not ${3%%:*}'s: left as it is"
    return 1
  fi
}

# One user's socket tree: "$1" where it is mounted, then the user's Jupyter environments.
make_sockets() {
  tree=$1
  shift
  # Root's and private, so that no one on the Docker host but root reaches anything in
  # it. Each workspace mounts only its own directory.
  chown -h 0:0 "$tree" && chmod 0700 "$tree" || return 1
  for env do
    dir=$tree/$env
    if [ -L "$dir" ]; then
      say "$name: $dir is a link"
      return 1
    fi
    [ -d "$dir" ] || mkdir "$dir" || return 1
    # Root's, sticky and writable by all (like /tmp): the workspace's server makes its
    # socket here, and the kernel (fs.protected_symlinks) refuses the proxy any link its
    # user puts in place of the socket: a link in a sticky, world-writable directory is
    # followed only by its owner or the directory's.
    chown -h 0:0 "$dir" && chmod 1777 "$dir" || return 1
  done
  # A new nonce on every run: a workspace that stopped for idleness and is then started
  # by the deploy this one-shot is part of stays stopped (src/container/seed/entrypoint.sh).
  # In the user's tree, which only root reaches; each such workspace mounts .deploy
  # read-only. Written beside, then renamed over: a reader sees the old or the new one.
  deploy=$tree/.deploy
  if [ -L "$deploy" ] || { [ -e "$deploy" ] && [ ! -d "$deploy" ]; }; then
    say "$name: $deploy is not a directory"
    return 1
  fi
  if ! { { [ -d "$deploy" ] || mkdir "$deploy"; } && chmod 0755 "$deploy" &&
    cat /proc/sys/kernel/random/uuid >"$deploy/nonce.new" && chmod 0644 "$deploy/nonce.new" && mv -f "$deploy/nonce.new" "$deploy/nonce"; }; then
    say "$name: could not write $deploy/nonce"
    return 1
  fi
}

if [ $# -lt 1 ]; then
  say "no home mode given"
  exit 2
fi
mode=$1
shift
failed=
while [ $# -gt 0 ]; do
  if [ $# -lt 6 ]; then
    say "expected name, home, path, owner, tree and a count; got $*"
    exit 2
  fi
  name=$1 mount=$2 path=$3 owner=$4 sockets=$5 count=$6
  shift 6
  case $count in
    '' | *[!0-9]*)
      say "$name: expected a count of environments, got '$count'"
      exit 2
      ;;
  esac
  if [ "$count" -gt $# ]; then
    say "$name: expected $count environments, got $#"
    exit 2
  fi
  envs=
  i=0
  while [ "$i" -lt "$count" ]; do
    envs="$envs $1"
    shift
    i=$((i + 1))
  done
  ok=1
  if [ "$mount" != - ]; then make_home "$mount" "$mode" "$owner" "$path" || ok=
  fi
  # shellcheck disable=SC2086 # split on purpose: environment names have no blanks
  if [ "$sockets" != - ]; then make_sockets "$sockets" $envs || ok=
  fi
  [ -n "$ok" ] || failed="$failed $name"
done
if [ -n "$failed" ]; then
  say "failed for:$failed (every other user's home and sockets were made)"
  exit 1
fi
exit 0
