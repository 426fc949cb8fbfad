#!/bin/sh
# homedock-frontdoor: runs once before the front door's proxy, as root with no
# capability. Makes the host's socket tree root's and private, and, given a Caddyfile
# (Terraform uploads it here from a sensitive variable), puts it into the config
# volume by rename, so the watching proxy never reads half a file.
#
#   $1  where the host's socket tree is mounted
#   $2  the uploaded Caddyfile, $3 where the proxy reads it (both or neither)

chmod 0700 "$1" || exit 1
[ "$#" -lt 3 ] && exit 0
cp "$2" "$3.new" && chmod 0600 "$3.new" && mv -f "$3.new" "$3"
