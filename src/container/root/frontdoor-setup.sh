#!/bin/sh
# homedock-frontdoor: runs once before the front door's proxy, as root with no
# capability. Makes the host's socket tree root's and private, and, given config files
# (Terraform uploads them here from a sensitive variable: the login's files, then the
# Caddyfile), puts each into the config volume by rename, so the watching proxy and
# login never read half a file.
#
#   $1  where the host's socket tree is mounted
#   then pairs: an uploaded file, where the proxy and the login read it

chmod 0700 "$1" || exit 1
shift
while [ "$#" -ge 2 ]; do
  cp "$1" "$2.new" && chmod 0600 "$2.new" && mv -f "$2.new" "$2" || exit 1
  shift 2
done
