#!/usr/bin/env bash
# The classifier part of `make bench-scale` alone (issue 8: classifier cost
# at 1M random SPIs within 1.5x of its cost at 1k), without registering
# anyone: `bash tests/bench/bench_scale.sh` with XDP_ONLY=1 comes here, or
# run it directly. The SA map is filled as pcscfd would fill it for SIZES
# (tests/tools/xdp_scale.c), all sizes loaded side by side and measured in
# turn, ROUNDS times; ratios are medians of per-round ratios (the machine is
# shared: a round loads every size alike). Needs root, `make tools`
# (and build/bare_pass.bpf.o, which `make` builds).
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SIZES=${SIZES:-1k,1M}

num() { # 1k -> 1000, 1M -> 1000000
	case $1 in
	*k | *K) echo $((${1%?} * 1000)) ;;
	*m | *M) echo $((${1%?} * 1000000)) ;;
	*) echo "$1" ;;
	esac
}
ns=()
for s in ${SIZES//,/ }; do ns+=("$(num "$s")"); done
out=$(PCSCF_BUILD=$BUILD "$BUILD/tools/xdp_scale" "${ns[@]}" 2>/dev/null) || {
	echo "bench_scale_xdp: xdp_scale failed (root? make tools?)"
	exit 1
}
echo "$out"
field() { echo "$out" | grep "ues=$1 " | grep -o "$2=[0-9.]*" | cut -d= -f2; }
echo
for s in ${SIZES//,/ }; do
	n=$(num "$s")
	printf "  %-6s classifier, random SPIs over all SAs %8s ns  hot SPI %s ns, bare XDP %s ns  (%s B values, %s KiB map; random/%s %sx)\n" \
		"$s" "$(field "$n" random_ns)" "$(field "$n" hot_ns)" "$(field "$n" bare_ns)" \
		"$(field "$n" value_bytes)" "$(field "$n" map_kib)" "${SIZES%%,*}" "$(field "$n" ratio)"
done
first=$(num "${SIZES%%,*}")
if [ "$first" = 1000 ] && echo "$out" | grep -q "ues=1000000 "; then
	r=$(field 1000000 ratio)
	m=$(awk -v r="$r" 'BEGIN { print (r <= 1.5) ? "met" : "not met" }')
	echo "Goal (issue 8): $m: classifier at 1M random SPIs $(field 1000000 random_ns) ns, 1k $(field 1000 random_ns) ns: ${r}x (at most 1.5x)"
else
	echo "Goal (issue 8): not run: classifier at 1M random SPIs within 1.5x of 1k (SIZES=1k,...,1M)"
fi
