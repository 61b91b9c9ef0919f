#!/usr/bin/env bash
# Guest job (../shared/tools/peer-vm, "script" with KERNEL_INITIATOR=1): one `discwright
# write-section` of $DATA to the guest kernel's SCSI generic node of tgt's blank DVD+R ($SG).
# The harness then compares $DATA with tgt's backing file. SCRIPT_ARGS: extra node flags, e.g.
# --stress-compaction (a compacting collection at every GC). FILE: project.tgz from
# examples/pack-project.sh. See docs/local-drives.md, "What has run on a real kernel".
set -u
p=/tmp/project
[ -d "$p/dist" ] || { mkdir -p "$p" && tar xzf "$USER_DIR/project.tgz" -C "$p"; }
cd "$p"
start=$(date +%s.%N)
node "$@" dist/src/cli/main.js write-section "$SG" "$DATA" --lba 0 --json >"$OUT/ws-$$.json" 2>"$OUT/ws-$$.err"
rc=$?
end=$(date +%s.%N)
tail -n 1 "$OUT/ws-$$.json"; cat "$OUT/ws-$$.err"
awk -v s="$start" -v e="$end" 'BEGIN { printf "write phase: %.3f s\n", e - s }'
exit $rc
