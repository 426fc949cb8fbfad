# What `homedock users check` reads on the Docker host, from inside a one-shot
# container: the host's /etc/passwd and /etc/group (mounted read-only under
# /homedock/etc) and, for each home given as an argument, its owner and type (the
# directories holding the homes are mounted read-only under /homedock/root).
#
# Output: "@@homedock passwd", the passwd file, "@@homedock group", the group file,
# "@@homedock homes", then per home "<path>\t<uid> <gid> <type>" or "<path>\tmissing"
# (each file ends with an empty line, in case its last line has no newline), then
# "@@homedock end" (a Swarm job's log is read until it has come).
# POSIX sh; needs cat and stat (busybox and coreutils both have them).
set -u
if ! command -v stat >/dev/null 2>&1 || ! command -v cat >/dev/null 2>&1; then
  echo "@@homedock error: the image has no stat or cat"
  exit 3
fi
echo "@@homedock passwd"
cat /homedock/etc/passwd || exit 4
echo
echo "@@homedock group"
cat /homedock/etc/group || exit 4
echo
echo "@@homedock homes"
for home in "$@"; do
  target="/homedock/root$home"
  if [ -e "$target" ] || [ -L "$target" ]; then
    printf '%s\t%s\n' "$home" "$(stat -c '%u %g %F' "$target")"
  else
    printf '%s\tmissing\n' "$home"
  fi
done
echo "@@homedock end"
