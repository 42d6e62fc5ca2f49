#!/bin/sh
# Answers init, then closes its stdout and keeps running: its clients time out, and the
# diagnosis must say that stdout was closed (not that the node crashed or hung).
read -r line
client=$(printf '%s' "$line" | sed 's/.*"src":"\([^"]*\)".*/\1/')
node=$(printf '%s' "$line" | sed 's/.*"node_id":"\([^"]*\)".*/\1/')
printf '{"src":"%s","dest":"%s","body":{"type":"init_ok","in_reply_to":1}}\n' "$node" "$client"
exec 1>&-
exec sleep 600
