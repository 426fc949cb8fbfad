#!/bin/sh
# homedock-links: runs the rest of its arguments only when the Docker host's kernel
# refuses to follow a link in a sticky, world-writable directory to anyone but the
# link's owner (fs.protected_symlinks = 1). The front door's proxy follows a path into
# every workspace's socket directory as root; that setting is what keeps a link a user
# puts there from leading the proxy to another user's socket. Without it the proxy does
# not start.
#
#   $@  the command to run (exec'd)

if [ "$(cat /proc/sys/fs/protected_symlinks 2>/dev/null)" != 1 ]; then
  echo "homedock: the Docker host's fs.protected_symlinks is not 1; set it (sysctl -w fs.protected_symlinks=1, and in /etc/sysctl.d to keep it) and start again" >&2
  exit 1
fi
exec "$@"
