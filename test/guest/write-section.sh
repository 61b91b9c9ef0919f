#!/usr/bin/env bash
# Guest job (../shared/tools/peer-vm, "script"): one `discwright write-section` of $DATA to tgt's
# blank DVD+R, through the guest kernel's SCSI generic node ($SG, needs KERNEL_INITIATOR=1) or
# through discwright's own iSCSI initiator ($URL). The harness then compares $DATA with tgt's
# backing file. SCRIPT_ARGS: `sg` or `iscsi` (default sg), then extra node flags, e.g.
# --stress-compaction (a compacting collection at every GC). FILE: project.tgz from
# examples/pack-project.sh. See docs/local-drives.md, "What has run on a real kernel".
set -u
p=/tmp/project
[ -d "$p/dist" ] || { mkdir -p "$p" && tar xzf "$USER_DIR/project.tgz" -C "$p"; }
cd "$p"
target=${SG:-}
case "${1:-sg}" in
sg) ;;
iscsi) target=$URL ;;
*) echo "write-section.sh: first argument sg or iscsi" >&2; exit 2 ;;
esac
shift || true
start=$(date +%s.%N)
node "$@" dist/src/cli/main.js write-section "$target" "$DATA" --lba 0 --json >"$OUT/ws-$$.json" 2>"$OUT/ws-$$.err"
rc=$?
end=$(date +%s.%N)
tail -n 1 "$OUT/ws-$$.json"; cat "$OUT/ws-$$.err"
awk -v s="$start" -v e="$end" 'BEGIN { printf "write phase: %.3f s\n", e - s }'
exit $rc
