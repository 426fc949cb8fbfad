#!/bin/sh
# homedock-door-setup: runs once on each Swarm node before that node's front door proxy
# (a job of one task, src/swarm/door-setup.ts), as root with CAP_CHOWN alone. It sees
# nothing of the node but the front door's runtime root. Makes the host's socket tree
# there and each user's, root's and private (0700), then hands the users' socket
# directories to homedock-home (home.sh), as on one host.
#
#   $1  where the runtime root is mounted
#   $2  the host's name: its socket tree is $1/$2
#   then the names of the users whose workspaces run on this node, then --
#   then homedock-home's script and its arguments
#
# POSIX sh and mkdir, chown, chmod: busybox has them all.

me=homedock-door-setup
say() { printf '%s: %s\n' "$me" "$*" >&2; }

# A directory of root's, private: never through a link someone put in its place.
private_dir() {
  if [ -L "$1" ]; then
    say "$1 is a link"
    exit 1
  fi
  if ! { { [ -d "$1" ] || mkdir "$1"; } && chown -h 0:0 "$1" && chmod 0700 "$1"; }; then
    say "could not make $1, root's and private"
    exit 1
  fi
}

if [ $# -lt 3 ]; then
  say "expected the runtime root, the host's name and --"
  exit 2
fi
tree=$1/$2
shift 2
private_dir "$tree"
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  private_dir "$tree/$1"
  shift
done
if [ $# -lt 2 ]; then
  say "expected -- and homedock-home's script"
  exit 2
fi
shift
script=$1
shift
exec /bin/sh -c "$script" homedock-home "$@"
