#!/usr/bin/env bash
# Guest job (../shared/tools/peer-vm, "script" with KERNEL_INITIATOR=1): two burners on one drive.
# SCRIPT_ARGS: `growisofs-first` (growisofs burns $DATA to /dev/sr0; while it writes, discwright
# must refuse to write to /dev/sr0 and to /dev/sg1) or `discwright-first` (discwright burns $DATA
# through /dev/sr0; while it writes, growisofs must fail to open the drive). Either way the
# harness then compares $DATA with tgt's backing file: the disc holds exactly the one burn.
# Prints `two-burners: ok` when every expectation held. FILE: project.tgz (examples/pack-project.sh).
set -u
p=/tmp/project
[ -d "$p/dist" ] || { mkdir -p "$p" && tar xzf "$USER_DIR/project.tgz" -C "$p"; }
cd "$p"
dw() { node dist/src/cli/main.js "$@"; }
other=/tmp/other.img
head -c $((4 * 1024 * 1024)) /dev/urandom >"$other"
fail=0
expect() { # what, rc, wanted-rc-pattern
	if [[ $2 =~ ^($3)$ ]]; then echo "two-burners: $1: rc=$2 as expected"; else
		echo "two-burners: $1: rc=$2, expected $3"; fail=1; fi
}
wait_for() { # file, pattern, seconds
	for _ in $(seq 1 $((10 * $3))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

case "${1:-}" in
growisofs-first)
	growisofs -dvd-compat -Z "$SR=$DATA" >"$OUT/growisofs.log" 2>&1 &
	g=$!
	# growisofs prints "written/total (p%) @speed" while it writes.
	wait_for "$OUT/growisofs.log" '%) @' 60 || echo "two-burners: growisofs shows no progress"
	for node in "$SR" "$SG"; do
		kill -0 $g 2>/dev/null || { echo "two-burners: growisofs ended before discwright ran"; fail=1; }
		dw write-section "$node" "$other" --lba 0 --json >"$OUT/dw-$(basename "$node").json" 2>"$OUT/dw-$(basename "$node").err"
		expect "discwright on $node while growisofs burns" $? 1
		cat "$OUT/dw-$(basename "$node").err"
	done
	wait $g
	expect "growisofs" $? 0
	;;
discwright-first)
	dw write-section "$SR" "$DATA" --lba 0 --json >"$OUT/dw.json" 2>"$OUT/dw.err" &
	d=$!
	wait_for "$OUT/dw.json" '"blocksWritten":[1-9]' 60 || echo "two-burners: discwright shows no progress"
	kill -0 $d 2>/dev/null || { echo "two-burners: discwright ended before growisofs ran"; fail=1; }
	growisofs -dvd-compat -Z "$SR=$other" >"$OUT/growisofs.log" 2>&1
	expect "growisofs while discwright burns" $? '[1-9][0-9]*'
	tail -n 3 "$OUT/growisofs.log"
	cdrskin -v dev="$SR" "$other" >"$OUT/cdrskin.log" 2>&1
	expect "cdrskin while discwright burns" $? '[1-9][0-9]*'
	tail -n 3 "$OUT/cdrskin.log"
	wait $d
	expect "discwright" $? 0
	tail -n 1 "$OUT/dw.json"
	;;
*)
	echo "usage: two-burners.sh growisofs-first|discwright-first" >&2
	exit 2
	;;
esac
[ $fail = 0 ] && echo "two-burners: ok"
exit $fail
