#!/bin/sh
# homedock-home: a user's home, if Docker just made it, and the user's socket
# directories. Runs once, as root with CAP_CHOWN alone, in a container that sees nothing
# of the Docker host but what it makes: the home, bound alone (never its parent, so
# nothing beside it can be touched, whatever the image's shell does), and the user's
# socket tree below the front door's runtime root.
#
#   $1  where the home is mounted, or "" when homes are made elsewhere (createHomes off)
#   $2  the mode a new home gets (host.homeMode)
#   $3  its owner, uid:gid
#   $4  where the user's socket tree is mounted (behind a front door), then the name of
#       each of the user's Jupyter environments
#
# POSIX sh and ls, chown, chmod, mkdir, mv, cat: busybox has them all.

me=homedock-home
say() { printf '%s: %s\n' "$me" "$*" >&2; }

# "uid:gid mode" of a path, not followed.
owner_mode() (
  set -f
  # shellcheck disable=SC2046 # split on purpose: the fields of ls -ldn
  set -- $(ls -ldn -- "$1")
  printf '%s:%s %s' "$3" "$4" "$1"
)

home=$1 mode=$2 owner=$3
shift 3

# A missing home is made by Docker for this bind: root's, 0755, empty. Only that becomes
# the user's; anything else by that name (a home with an owner, a non-empty directory,
# a file) is left exactly as it is.
if [ -n "$home" ] && [ "$(owner_mode "$home")" = "0:0 drwxr-xr-x" ] && [ -z "$(ls -A -- "$home")" ]; then
  # The mode first, while root owns it: after the chown only CAP_FOWNER could.
  if ! { chmod "$mode" "$home" && chown "$owner" "$home"; }; then
    say "could not give the new home to $owner"
    exit 1
  fi
fi

[ $# -gt 0 ] || exit 0
tree=$1
shift
# The user's socket tree: root's and private, so that no one on the Docker host but
# root reaches anything in it. Each workspace mounts only its own directory.
chown -h 0:0 "$tree" && chmod 0700 "$tree" || exit 1
for env do
  dir=$tree/$env
  if [ -L "$dir" ]; then
    say "$dir is a link"
    exit 1
  fi
  [ -d "$dir" ] || mkdir "$dir" || exit 1
  # Root's, sticky and writable by all (like /tmp): the workspace's server makes its
  # socket here, and the kernel (fs.protected_symlinks) refuses the proxy any link its
  # user puts in place of the socket: a link in a sticky, world-writable directory is
  # followed only by its owner or the directory's.
  chown -h 0:0 "$dir" && chmod 1777 "$dir" || exit 1
done
# A new nonce on every run: a workspace that stopped for idleness and is then started by
# the deploy this one-shot is part of stays stopped (src/container/seed/entrypoint.sh).
# In the user's tree, which only root reaches; each such workspace mounts .deploy
# read-only. Written beside, then renamed over: a reader sees the old or the new one.
deploy=$tree/.deploy
if [ -L "$deploy" ] || { [ -e "$deploy" ] && [ ! -d "$deploy" ]; }; then
  say "$deploy is not a directory"
  exit 1
fi
if ! { { [ -d "$deploy" ] || mkdir "$deploy"; } && chmod 0755 "$deploy" &&
  cat /proc/sys/kernel/random/uuid >"$deploy/nonce.new" && chmod 0644 "$deploy/nonce.new" && mv -f "$deploy/nonce.new" "$deploy/nonce"; }; then
  say "could not write $deploy/nonce"
  exit 1
fi
