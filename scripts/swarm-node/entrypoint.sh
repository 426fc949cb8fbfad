#!/bin/sh
# Runs under tini in a swarm test node (scripts/build-swarm-node-image.sh): readies
# what dockerd needs inside the container, as moby's hack/dind does, then runs dockerd
# with the arguments given (the daemon's settings are /etc/docker/daemon.json).
set -eu

# AppArmor's securityfs, where the kernel has it and it is not mounted yet.
if [ -d /sys/kernel/security ] && ! mountpoint -q /sys/kernel/security; then
  mount -t securityfs none /sys/kernel/security || echo "swarm node: could not mount securityfs" >&2
fi

# Where the container is not --privileged but has the capabilities and unconfined
# profiles (scripts/swarm-rig.sh does that on a host where --privileged fails), /sys and
# the cgroup hierarchies come read-only: make them writable, as --privileged has them.
awk '($2 == "/sys" || $2 ~ "^/sys/fs/cgroup/") && $4 ~ /^ro(,|$)/ { print $2 }' /proc/mounts | while read -r m; do
  if [ "$m" = /sys ]; then mount -o remount,rw /sys; else mount -o remount,bind,rw "$m"; fi
done

# cgroup v2 (one unified hierarchy): this cgroup cannot both hold processes and hand
# controllers to the containers' cgroups, so move every process to a leaf first.
# On cgroup v1 the node's own cgroup is each hierarchy's root here: nothing to do.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
  sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control
fi

# A node restarted (docker stop, docker start) keeps /run: its stale pid files would
# stop dockerd and containerd from starting again.
find /run -name '*.pid' -path '*docker*' -delete

exec dockerd "$@"
