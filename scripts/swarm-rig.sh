#!/usr/bin/env bash
# A 3-node Docker Swarm on this machine for the tests, without a registry: nodes
# node-1 (the manager), node-2 and node-3 (workers) are containers of
# homedock-test/swarm-node:current (scripts/build-swarm-node-image.sh, run by `up` when
# the image is missing) on a bridge network of their own, each labelled
# homedock.node=<node>. Each node's dockerd also listens on <dir>/<node>/docker.sock, so
# `docker -H unix://<dir>/node-1/docker.sock node ls` speaks to the manager from here
# (<dir>/<node> is root's alone: the socket is root on that node).
# <dir>/homes is bind-mounted into every node at the same path (shared storage's
# stand-in). Images are carried into the nodes with docker save and docker load.
# The nodes share this machine's kernel: where it lacks IPVS (CONFIG_IP_VS, as this test
# host's does), a service's virtual IP does not answer; services reach each other with
# endpoint mode dnsrr (or by tasks.<service>).
#
#   swarm-rig.sh up [IMAGE...]        start what is missing, then load the images
#   swarm-rig.sh load IMAGE...        carry images into every node that lacks them
#   swarm-rig.sh stop|start WORKER    kill a worker as a machine dies (no goodbye to the
#                                     manager), or start it again
#   swarm-rig.sh baseline WORKER on|off  the node baseline in its daemon.json (on, the
#                                     default: no-new-privileges and icc off), then restart it
#   swarm-rig.sh status               the nodes as the manager sees them
#   swarm-rig.sh down                 remove everything up made, and nothing else
#
# HOMEDOCK_SWARM_NAME (default homedock-swarm) prefixes every container, volume and
# network made (all labelled homedock.swarm-rig=<name>); HOMEDOCK_SWARM_DIR (default
# /tmp/<name>) holds the sockets, the nodes' daemon.json and homes/. As root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
name=${HOMEDOCK_SWARM_NAME:-homedock-swarm}
dir=${HOMEDOCK_SWARM_DIR:-/tmp/$name}
image=homedock-test/swarm-node:current
nodes=(node-1 node-2 node-3)
manager="node-1"
label=homedock.swarm-rig=$name

say() { printf 'swarm-rig: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

sock() { echo "unix://$dir/$1/docker.sock"; }
# nd NODE ARGS...: docker against that node's daemon.
nd() {
  local node=$1
  shift
  docker -H "$(sock "$node")" "$@"
}
is_node() { [[ " ${nodes[*]} " == *" $1 "* ]]; }
is_worker() { is_node "$1" && [ "$1" != "$manager" ]; }

# daemon_json NODE on|off: the node's /etc/docker/daemon.json. overlay2 works nested
# because /var/lib/docker is a volume (ext4 or the like), not the container's overlay.
daemon_json() {
  mkdir -p "$dir/$1/etc"
  chmod 700 "$dir/$1"
  if [ "$2" = on ]; then
    printf '{ "storage-driver": "overlay2", "no-new-privileges": true, "icc": false }\n'
  else
    printf '{ "storage-driver": "overlay2" }\n'
  fi >"$dir/$1/etc/daemon.json"
}

# How the nodes run: --privileged where the engine can. Engine 20.10 gives a privileged
# container every capability it knows, and runc fails ("unable to apply caps") where the
# engine's own bounding set lacks one (this test host's lacks CAP_SYS_RESOURCE); then the
# node gets every capability the bounding set has, unconfined profiles and every
# device, and its entrypoint makes /sys and the cgroups writable.
# Sets run_mode to those arguments of docker run.
set_run_mode() {
  run_mode=(--privileged)
  local ok=0
  docker run --rm --name "$name-probe" --label "$label" --privileged --entrypoint /bin/true "$image" >/dev/null 2>&1 || ok=$?
  docker rm -f "$name-probe" >/dev/null 2>&1 || true
  ((ok)) || return 0
  # Capability names by bit, as far as Engine 20.10 knows them (0 to 37).
  local caps=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
    NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE
    SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE
    AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ)
  local bounding bit
  bounding=$((16#$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)))
  run_mode=(--cap-add ALL)
  for bit in "${!caps[@]}"; do
    ((bounding >> bit & 1)) || run_mode+=(--cap-drop "${caps[bit]}")
  done
  run_mode+=(--security-opt seccomp=unconfined --security-opt apparmor=unconfined
    --security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm')
}

# wait_daemon NODE: until the node's dockerd answers (a minute at most).
wait_daemon() {
  for _ in $(seq 120); do
    nd "$1" version >/dev/null 2>&1 && return 0
    [ "$(docker inspect -f '{{.State.Running}}' "$name-$1" 2>/dev/null)" = true ] || break
    sleep 0.5
  done
  docker logs --tail 20 "$name-$1" >&2 || true
  die "$1: dockerd did not answer on $(sock "$1")"
}

# wait_ready NODE: until the manager sees the node Ready (a minute at most).
wait_ready() {
  for _ in $(seq 120); do
    [ "$(nd "$manager" node inspect -f '{{.Status.State}}' "$1" 2>/dev/null)" = ready ] && return 0
    sleep 0.5
  done
  die "$1: not Ready in the swarm after a minute"
}

# start_node NODE: creates the node's container, or starts it if stopped.
start_node() {
  local node=$1 state
  state=$(docker inspect -f '{{.State.Status}}' "$name-$node" 2>/dev/null || true)
  case $state in
    running) ;;
    "")
      [ -f "$dir/$node/etc/daemon.json" ] || daemon_json "$node" on
      [ -n "${run_mode+set}" ] || set_run_mode
      docker run -d --name "$name-$node" --hostname "$node" --label "$label" --network "$name" \
        "${run_mode[@]}" \
        --mount "type=volume,source=$name-$node,target=/var/lib/docker,volume-label=$label" \
        --mount "type=bind,source=$dir/$node/etc,target=/etc/docker" \
        --mount "type=bind,source=$dir/$node,target=/run/swarm-rig" \
        --mount "type=bind,source=$dir/homes,target=$dir/homes" \
        "$image" --host=unix:///var/run/docker.sock --host=unix:///run/swarm-rig/docker.sock >/dev/null
      ;;
    *) docker start "$name-$node" >/dev/null ;;
  esac
  wait_daemon "$node"
}

# load IMAGE...: each image into every running node whose copy differs (by image ID).
load() {
  local img id node tar=$dir/image.tar
  for img in "$@"; do
    id=$(docker image inspect -f '{{.Id}}' "$img") || die "$img: no such image here"
    local todo=()
    for node in "${nodes[@]}"; do
      [ "$(docker inspect -f '{{.State.Running}}' "$name-$node" 2>/dev/null)" = true ] || continue
      [ "$(nd "$node" image inspect -f '{{.Id}}' "$img" 2>/dev/null)" = "$id" ] || todo+=("$node")
    done
    ((${#todo[@]})) || continue
    say "loading $img into ${todo[*]}"
    docker save -o "$tar" "$img"
    # side by side: each node unpacks on its own, about twice as fast as one after another
    local pids=() pid failed=0
    for node in "${todo[@]}"; do
      nd "$node" load -q -i "$tar" >/dev/null &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
    rm -f "$tar"
    ((!failed)) || die "$img: docker load failed on a node"
  done
}

up() {
  bash "$here/build-swarm-node-image.sh" >/dev/null
  mkdir -p "$dir/homes"
  chmod 755 "$dir" "$dir/homes"
  docker network inspect "$name" >/dev/null 2>&1 || docker network create --label "$label" "$name" >/dev/null
  local node
  for node in "${nodes[@]}"; do start_node "$node"; done
  if [ "$(nd "$manager" info -f '{{.Swarm.LocalNodeState}}')" = inactive ]; then
    nd "$manager" swarm init --advertise-addr eth0 >/dev/null
  fi
  local token addr
  token=$(nd "$manager" swarm join-token -q worker)
  addr=$(nd "$manager" info -f '{{.Swarm.NodeAddr}}')
  for node in "${nodes[@]}"; do
    # inactive: never joined (a node restarted rejoins by itself, pending a moment)
    if [ "$(nd "$node" info -f '{{.Swarm.LocalNodeState}}')" = inactive ]; then
      nd "$node" swarm join --token "$token" "$addr:2377" >/dev/null
    fi
  done
  for node in "${nodes[@]}"; do
    wait_ready "$node"
    nd "$manager" node update --label-add "homedock.node=$node" "$node" >/dev/null
  done
  load "$@"
}

down() {
  local id c
  for id in $(docker ps -aq --no-trunc --filter "label=$label"); do
    # Killed, not stopped: a node's dockerd takes 15 s to stop. The node's containers
    # die with it, but their cgroups (cgroup v1: inside the node's) stay, and keep the
    # node's own from being removed: remove them, deepest first.
    docker rm -f "$id" >/dev/null
    for c in /sys/fs/cgroup/*/docker/"$id"; do
      if [ -d "$c" ]; then find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
    done
  done
  for id in $(docker volume ls -q --filter "label=$label"); do docker volume rm "$id" >/dev/null; done
  for id in $(docker network ls -q --filter "label=$label"); do docker network rm "$id" >/dev/null; done
  rm -rf "$dir"
}

status() {
  docker ps -a --filter "label=$label" --format '{{.Names}}\t{{.Status}}'
  nd "$manager" node ls --format '{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}' 2>/dev/null || say "no manager answers"
}

[ "$(id -u)" -eq 0 ] || die "run as root"
command=${1:-}
shift || true
case $command in
  up) up "$@" ;;
  load) load "$@" ;;
  down) down ;;
  status) status ;;
  stop | start)
    node=${1:-}
    is_worker "$node" || die "$command: name a worker (${nodes[*]:1}): the manager's address is the swarm's"
    if [ "$command" = stop ]; then docker kill "$name-$node" >/dev/null; else
      start_node "$node"
      wait_ready "$node"
    fi
    ;;
  baseline)
    node=${1:-}
    setting=${2:-}
    if ! is_worker "$node" || [[ $setting != on && $setting != off ]]; then die "usage: baseline WORKER on|off"; fi
    daemon_json "$node" "$setting"
    # dockerd reads icc only when it starts; a node's dockerd takes 15 s to stop: 2 s, then killed
    docker restart -t 2 "$name-$node" >/dev/null
    wait_daemon "$node"
    wait_ready "$node"
    ;;
  *) die "usage: swarm-rig.sh up [IMAGE...] | load IMAGE... | stop|start WORKER | baseline WORKER on|off | status | down" ;;
esac
