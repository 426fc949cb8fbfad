# What `homedock swarm check` reads on each node of a Swarm, as a job of one task on
# that node (src/swarm/): what the node's dockerd gives every task container unasked
# (this shell's own /proc/self/status: NoNewPrivs, the capabilities), the node's
# memory and swap (/proc/meminfo, the node's own: containers see the host's), and the
# node's /etc/docker/daemon.json, bind-mounted read-only at /homedock/daemon.json.
# homedock judges it; this only prints.
#
# Output: "@@homedock status", "@@homedock meminfo", "@@homedock daemon.json", each
# followed by the file, then "@@homedock end" (its absence: the output was cut).
# POSIX sh built-ins only (read, printf, echo): the image needs /bin/sh and nothing else.
set -u
show() {
  while IFS= read -r line || [ -n "$line" ]; do printf '%s\n' "$line"; done <"$1"
}
echo "@@homedock status"
show /proc/self/status
echo "@@homedock meminfo"
show /proc/meminfo
echo "@@homedock daemon.json"
show /homedock/daemon.json
echo "@@homedock end"
