# What `homedock status` reads on a Swarm node, from inside a job of one task there:
# the memory and CPU counters of the workspace containers named, from the node's cgroup
# file system (mounted read-only at $1), twice, $2 seconds apart, with the node's CPU
# time (/proc/stat's first line) and its number of CPUs at each.
#
# Arguments: <cgroup root> <seconds between samples> <container id>...
# Output, per sample: "@@homedock sample", "@@homedock cpus <n>", "@@homedock file
# /proc/stat" and its cpu line; per container "@@homedock container <id> 2 <dir>" (cgroup
# v2), "@@homedock container <id> 1 <memory dir> <cpuacct dir>" (v1) or "@@homedock
# container <id> none", then "@@homedock file <path>" and the file for each counter
# file; "@@homedock end" last.
# POSIX sh: shell built-ins and sleep alone (busybox and coreutils have it); files are
# read with `read`.
set -u
root=$1
gap=$2
shift 2

# Prints a file, line by line, under its heading.
show() {
  echo "@@homedock file $1"
  while IFS= read -r line || [ -n "$line" ]; do
    echo "$line"
  done <"$1"
}

# The first directory of those given that holds file $1.
first_with() {
  want=$1
  shift
  for d in "$@"; do
    if [ -f "$d/$want" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

sample() {
  echo "@@homedock sample"
  cpus=0
  while IFS= read -r line; do
    case $line in processor*) cpus=$((cpus + 1)) ;; esac
  done </proc/cpuinfo
  echo "@@homedock cpus $cpus"
  echo "@@homedock file /proc/stat"
  IFS= read -r line </proc/stat
  echo "$line"
  for id in "$@"; do
    # cgroupfs driver (docker/<id>) or systemd's (system.slice/docker-<id>.scope).
    if dir=$(first_with memory.current "$root/docker/$id" "$root/system.slice/docker-$id.scope"); then
      echo "@@homedock container $id 2 $dir"
      show "$dir/memory.current"
      show "$dir/memory.stat"
      show "$dir/cpu.stat"
    elif mem=$(first_with memory.usage_in_bytes "$root/memory/docker/$id" "$root/memory/system.slice/docker-$id.scope") &&
      cpu=$(first_with cpuacct.usage "$root/cpuacct/docker/$id" "$root/cpu,cpuacct/docker/$id" "$root/cpuacct/system.slice/docker-$id.scope" "$root/cpu,cpuacct/system.slice/docker-$id.scope"); then
      echo "@@homedock container $id 1 $mem $cpu"
      show "$mem/memory.usage_in_bytes"
      show "$mem/memory.stat"
      show "$cpu/cpuacct.usage"
    else
      echo "@@homedock container $id none"
    fi
  done
}

sample "$@"
sleep "$gap"
sample "$@"
echo "@@homedock end"
