#!/usr/bin/env bash
# Guest job (../shared/tools/peer-vm, "script"): real Linux burners onto `discwright serve`.
# Starts `discwright serve` on 127.0.0.1:3261 with one virtual drive per burn (LUN 0, 1, …, each
# with its own image on the guest's tmpfs), logs the guest kernel's initiator (open-iscsi) into
# it, and runs each burner on the LUN's /dev/srN: growisofs on DVD+R, xorriso/cdrskin on DVD+R
# and CD-R, wodim on CD-R. After each burn it reads the disc back through /dev/srN (dd) and
# compares with $DATA; after `serve` has saved its images (Ctrl-C), it compares each image too.
# Prints one `BURN name rc=… readback=… image=…` line per burn. Run with CMP=0 (the harness's
# own tgt is not used) and KERNEL_INITIATOR=0 (this script logs in itself). FILE: project.tgz
# from examples/pack-project.sh. What ran and what it printed is in docs/serve.md.
set -u
p=/tmp/project
[ -d "$p/dist" ] || { mkdir -p "$p" && tar xzf "$USER_DIR/project.tgz" -C "$p"; }
cd "$p"
W=/tmp/serve-burners
rm -rf "$W"; mkdir -p "$W"
PORT=3261
IQN=iqn.2026-01.dev.discwright:serve
BYTES=$(stat -c %s "$DATA")

# name | media | command (@SR@ = the LUN's /dev/srN)
BURNS=(
	"growisofs|dvd+r|growisofs -Z @SR@=$DATA"
	"growisofs-dvd-compat|dvd+r|growisofs -dvd-compat -Z @SR@=$DATA"
	"xorriso-dvd|dvd+r|xorriso -as cdrecord -v dev=@SR@ $DATA"
	"cdrskin-tao-dvd|dvd+r|cdrskin -v -tao dev=@SR@ $DATA"
	"wodim-cd|cd-r|wodim -v -tao dev=@SR@ $DATA"
	"wodim-sao-cd|cd-r|wodim -v -sao dev=@SR@ $DATA"
	"cdrskin-cd|cd-r|cdrskin -v dev=@SR@ $DATA"
	"xorriso-tao-cd|cd-r|xorriso -as cdrecord -v -tao dev=@SR@ $DATA"
)
addrs=()
for b in "${BURNS[@]}"; do
	IFS='|' read -r name media _ <<<"$b"
	addrs+=("virtual:$media?image=$W/$name.img")
done

node dist/src/cli/main.js serve "${addrs[@]}" --listen 127.0.0.1:$PORT --json >"$OUT/serve.log" 2>&1 &
serve=$!
for _ in $(seq 1 300); do grep -q listening "$OUT/serve.log" 2>/dev/null && break; sleep 0.2; done
head -n 1 "$OUT/serve.log"

mkdir -p /run/lock/iscsi
started_iscsid=0
if ! { [ -f /run/iscsid.pid ] && kill -0 "$(cat /run/iscsid.pid)" 2>/dev/null; }; then
	iscsid && started_iscsid=1
fi
iscsiadm -m discovery -t sendtargets -p 127.0.0.1:$PORT | tee "$OUT/discovery.txt"
iscsiadm -m node -T $IQN -p 127.0.0.1:$PORT --login || { echo "login failed"; kill -INT $serve; exit 92; }

n=${#BURNS[@]}
for _ in $(seq 1 200); do
	[ "$(lsscsi | grep -c cd/dvd)" -ge "$n" ] && break
	sleep 0.1
done
lsscsi -g | tee "$OUT/lsscsi.txt"
iscsiadm -m session -P 3 >"$OUT/iscsi-session.txt" 2>&1
sleep 1

summary=()
lun=0
for b in "${BURNS[@]}"; do
	IFS='|' read -r name media cmd <<<"$b"
	# The only SCSI devices in the guest are this target's LUNs (its disk is virtio), H:C:T:LUN.
	dev=$(ls /sys/class/scsi_device/*:$lun/device/block 2>/dev/null | head -1)
	sr=/dev/$dev
	run=${cmd//@SR@/$sr}
	echo "== $name (LUN $lun, $media, $sr): $run"
	t0=$(date +%s.%N)
	timeout 900 $run >"$OUT/$name.log" 2>&1 </dev/null
	rc=$?
	t1=$(date +%s.%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	tail -n 15 "$OUT/$name.log"
	rb=skip
	if [ "$rc" = 0 ]; then
		# libburn and wodim do not reload the tray after a burn, so the kernel's sr still has the
		# blank disc's capacity (a real drive behaves the same): eject and load, as a user would.
		sg_start --eject "$sr" >/dev/null 2>&1; sg_start --load "$sr" >/dev/null 2>&1
		dd if="$sr" of="$W/$name.read" bs=2048 count=$((BYTES / 2048)) 2>"$OUT/$name.dd.txt"
		if cmp -n "$BYTES" "$DATA" "$W/$name.read" >"$OUT/$name.cmp.txt" 2>&1; then rb=ok; else rb=DIFF; fi
		rm -f "$W/$name.read"
	fi
	summary+=("$name lun=$lun media=$media rc=$rc secs=$secs readback=$rb")
	lun=$((lun + 1))
done

iscsiadm -m node -T $IQN -p 127.0.0.1:$PORT --logout >/dev/null 2>&1
iscsiadm -m node -o delete >/dev/null 2>&1
kill -INT $serve
wait $serve
echo "serve exit $?"
tail -n 5 "$OUT/serve.log"
[ "$started_iscsid" = 1 ] && [ -f /run/iscsid.pid ] && kill "$(cat /run/iscsid.pid)" 2>/dev/null
dmesg >"$OUT/dmesg.txt"

fail=0
for s in "${summary[@]}"; do
	name=${s%% *}
	img=short
	size=$(stat -c %s "$W/$name.img" 2>/dev/null || echo 0)
	if [ "$size" -ge "$BYTES" ]; then
		if cmp -n "$BYTES" "$DATA" "$W/$name.img" >/dev/null 2>&1; then img=ok; else img=DIFF; fi
	fi
	echo "BURN $s image=$img image_bytes=$size"
	case "$s" in growisofs\ *) [ "$img" = ok ] || fail=1 ;; esac
done
exit $fail
