#!/bin/sh
# homedock-seed: copy what an image ships in its seed directory into a workspace's
# environment directory without ever clobbering user data, then exec the server.
#
#   HOMEDOCK_ENV_DIR        the environment directory (required; created if missing)
#   HOMEDOCK_SEED_DIR       what to copy from (default /home/jovyan)
#   HOMEDOCK_SEED_EXCLUDES  newline-separated find -path patterns, relative to the seed
#                           directory, never copied (default .cache)
#   HOMEDOCK_IDLE_SOCKET    set where the server stops itself when idle: its socket,
#                           in a directory it shares with the front door (see below)
#   HOMEDOCK_IDLE_NONCE     beside it: the file with the last deploy's nonce (read-only)
#   arguments               the server command, exec'd from the environment directory
#
# A server that stops itself (idle, or its user's "Quit") exits 0 and its container
# stays stopped. A deploy through Compose starts every container it manages, so a
# start is told apart: the home one-shot that runs before it writes a new nonce (in a
# directory of root's, mounted read-only); "asleep", in the socket directory, holds the
# nonce there when the server stopped. A start that finds a nonce it did not see
# before is a deploy's, and the workspace stays stopped; any other start (the front
# door's waker, `homedock restart`, a Terraform deploy that replaces it) wakes it.
# A server that stopped less than 5 s ago starts that much later: a loop of wakes
# costs the engine a start every 5 s at most.
#
# POSIX sh and the tools busybox has: it runs under dash, busybox ash and bash. It
# writes nothing outside the environment directory, so a read-only root is fine.
#
# What was seeded is remembered in <env dir>/.homedock/seeded, a tree of empty
# markers with the seed's own names (no encoding, so any file name works): a marked
# name is never copied again, so what the user deleted stays deleted. A stamp of the
# seed's file list is kept beside it; when it matches, the start walks nothing of
# the user's (O(1) in their data).

me=homedock-seed
say() { printf '%s: %s\n' "$me" "$*" >&2; }

env_dir=${HOMEDOCK_ENV_DIR:-}
seed_dir=${HOMEDOCK_SEED_DIR:-/home/jovyan}
excludes=${HOMEDOCK_SEED_EXCLUDES-.cache}
state=$env_dir/.homedock

case $env_dir in
  /*) ;;
  *) say "HOMEDOCK_ENV_DIR must be an absolute path, got '$env_dir'"; exit 2 ;;
esac
if [ $# -eq 0 ]; then
  say "no server command given"
  exit 2
fi

idle_socket=${HOMEDOCK_IDLE_SOCKET:-}
if [ -n "$idle_socket" ]; then
  idle_dir=${idle_socket%/*}
  deployed=$(cat "${HOMEDOCK_IDLE_NONCE:-/dev/null}" 2>/dev/null)
  if [ -f "$idle_dir/asleep" ]; then
    if [ "$(cat "$idle_dir/asleep" 2>/dev/null)" != "$deployed" ]; then
      # Started by a deploy: stay stopped, and let the next start (a wake) through.
      printf '%s' "$deployed" >"$idle_dir/asleep"
      say "stopped for idleness: it starts again at its owner's next visit"
      exit 0
    fi
    rm -f "$idle_dir/asleep"
  fi
  stopped=$(cat "$idle_dir/stopped" 2>/dev/null)
  now=$(date +%s)
  case $stopped in
    '' | *[!0-9]*) ;;
    *) if [ "$now" -ge "$stopped" ] && [ $((now - stopped)) -lt 5 ]; then sleep $((5 - (now - stopped))); fi ;;
  esac
fi

# The ls -ld fields of a path, in the positional parameters of the caller's subshell.
owner_and_mode() (
  set -f
  # shellcheck disable=SC2046 # split on purpose: the fields of ls -ldn
  set -- $(ls -ldn -- "$1" 2>/dev/null)
  printf 'uid %s (mode %s)' "${3:-unknown}" "${1:-unknown}"
)

if { [ -d "$env_dir" ] || mkdir -p -- "$env_dir" 2>/dev/null; } &&
  [ -w "$env_dir" ] && [ -x "$env_dir" ]; then
  :
else
  p=$env_dir
  while [ ! -e "$p" ]; do
    p=${p%/*}
    [ -n "$p" ] || p=/
  done
  say "cannot write $env_dir: $p belongs to $(owner_and_mode "$p"), this workspace runs as uid $(id -u)"
  exit 1
fi

# Runs once per batch of seed paths under find -exec; $1 env dir, $2 state dir.
# shellcheck disable=SC2016 # expanded by the inner shell
copy='
me=homedock-seed
say() { printf "%s: %s\n" "$me" "$*" >&2; }
T=$1 M=$2/seeded tmp=$2/partial.$$
shift 2
dirmode() {
  m=$(ls -ld -- "$1") || return 1
  m=${m%% *} out=
  perm=${m#?}
  for who in u g o; do
    bits=
    r=${perm%"${perm#?}"} perm=${perm#?}
    w=${perm%"${perm#?}"} perm=${perm#?}
    x=${perm%"${perm#?}"} perm=${perm#?}
    [ "$r" = r ] && bits=${bits}r
    [ "$w" = w ] && bits=${bits}w
    case $x in x | s | t) bits=${bits}x ;; esac
    out=${out:+$out,}$who=$bits
  done
  printf "%s,u+rwx" "$out"
}
n=0 status=0
# Copies get the seed modes (umask 0); markers stay private (umask 077).
for p in "$@"; do
  umask 077
  [ "$p" = . ] && continue
  rel=${p#./}
  { [ -e "$M/$rel" ] || [ -L "$M/$rel" ]; } && continue
  case $rel in
    */*)
      # Enter only directories that are real directories in the target now: a
      # user who replaced one with a file or a link is never written through.
      parent=${rel%/*}
      [ -d "$M/$parent" ] || continue
      q=$parent ok=1
      while :; do
        if [ -L "$T/$q" ] || [ ! -d "$T/$q" ]; then ok=0; break; fi
        case $q in */*) q=${q%/*} ;; *) break ;; esac
      done
      [ $ok = 1 ] || continue
      ;;
  esac
  dst=$T/$rel
  if [ -e "$dst" ] || [ -L "$dst" ]; then
    # The user has this name already: theirs, never touched; remembered as offered.
    if [ -d "$p" ] && [ ! -L "$p" ] && [ -d "$dst" ] && [ ! -L "$dst" ]; then
      mkdir "$M/$rel"
    else
      : >"$M/$rel"
    fi
    continue
  fi
  umask 0
  if [ -L "$p" ]; then
    cp -P "$p" "$dst" || { say "could not copy the link $rel"; status=1; continue; }
    umask 077
    : >"$M/$rel"
  elif [ -d "$p" ]; then
    { mkdir "$dst" && chmod "$(dirmode "$p")" "$dst"; } || { say "could not create $rel"; status=1; continue; }
    umask 077
    mkdir "$M/$rel"
  elif [ -f "$p" ]; then
    # Copy beside, then hard-link into place: the name appears only when the copy
    # is whole (a full disk leaves nothing half-written), and never over anything.
    rm -f "$tmp"
    if cp "$p" "$tmp" && ln "$tmp" "$dst"; then
      rm -f "$tmp"
      umask 077
      : >"$M/$rel"
    else
      rm -f "$tmp"
      say "could not copy $rel"
      status=1
      continue
    fi
  else
    : >"$M/$rel"
    continue
  fi
  n=$((n + 1))
done
[ $n -eq 0 ] || say "copied $n new entries into $T"
exit $status
'

# What decides whether there can be anything new: the excludes and the seed's names,
# kept whole (seeds are small, and not every image has cksum). The seed is listed
# with globs, and the stamp is a shell assignment read back with `command .` (which
# reads in blocks, where `read` takes a system call per byte, and survives a damaged
# file): a start with nothing new forks nothing and reads none of the user's files.
list_seed() {
  for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    # a pattern that matched nothing stays as it is
    [ -e "$e" ] || [ -L "$e" ] || continue
    want="$want$e
"
    if [ -d "$e" ] && [ ! -L "$e" ]; then list_seed "$e"; fi
  done
}

# $1 single-quoted for the shell, in $quoted.
quote() {
  rest=$1 quoted=
  while :; do
    case $rest in
      *\'*)
        quoted="$quoted${rest%%\'*}'\\''"
        rest=${rest#*\'}
        ;;
      *)
        quoted="'$quoted$rest'"
        return
        ;;
    esac
  done
}

seed() {
  set -f
  set --
  old_ifs=$IFS
  IFS='
'
  for pattern in $excludes; do
    [ -n "$pattern" ] || continue
    set -- "$@" -o -path "./$pattern"
  done
  IFS=$old_ifs
  set +f
  # The seed's own state directory, if it has one, is never copied over ours.
  set -- \( -path ./.homedock "$@" \) -prune -o
  { [ -d "$state" ] || mkdir -m 700 "$state"; } && { [ -d "$state/seeded" ] || mkdir "$state/seeded"; } &&
    (cd "$seed_dir" && find . "$@" -exec sh -c "$copy" "$me" "$env_dir" "$state" {} +)
}

if [ -d "$seed_dir" ]; then
  want="$excludes
"
  list_seed "$seed_dir"
  have=
  command . "$state/seed-stamp" 2>/dev/null
  if [ "$want" != "$have" ]; then
    if seed; then
      quote "$want"
      printf 'have=%s\n' "$quoted" >"$state/seed-stamp.new" && mv -f "$state/seed-stamp.new" "$state/seed-stamp"
    else
      say "seeding from $seed_dir was incomplete; it is tried again at the next start"
    fi
  fi
fi

export JUPYTER_CONFIG_DIR="${JUPYTER_CONFIG_DIR:-$env_dir/.jupyter}"
export JUPYTER_DATA_DIR="${JUPYTER_DATA_DIR:-$env_dir/.local/share/jupyter}"
cd "$env_dir" || exit 1
[ -n "$idle_socket" ] || exec "$@"

# The server as a child, so that its end can be recorded: a stop asked by Docker
# (SIGTERM) is passed on and is not idleness; an exit 0 of its own is.
stopping=
trap 'stopping=1; kill -TERM "$pid" 2>/dev/null' TERM INT HUP
"$@" &
pid=$!
while :; do
  wait "$pid"
  status=$?
  kill -0 "$pid" 2>/dev/null || break
done
# The server leaves its socket behind; the landing page tells "running" by it.
rm -f "$idle_socket"
date +%s >"$idle_dir/stopped" 2>/dev/null
if [ "$status" -eq 0 ] && [ -z "$stopping" ]; then
  # The nonce now: a deploy may have run while the server was up.
  cat "${HOMEDOCK_IDLE_NONCE:-/dev/null}" 2>/dev/null >"$idle_dir/asleep" || :
  say "the server stopped itself (idle, or its user's Quit): it starts again at its owner's next visit"
fi
exit "$status"
