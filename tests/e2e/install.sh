#!/bin/sh
# make install (PREFIX, DESTDIR): the programs, their man pages, libstream's
# headers, static library and pkg-config file land where they should, and
# docs/example.c, the smallest filter, builds against the installed copy
# with pkg-config alone (no -I or -L into the tree) and runs.
. "$(dirname "$0")/../lib.sh"

case "$BIN" in
*san*)	ok "install: tested once, with the rel build"; finish; exit ;;
esac
P=$T/prefix
make -s install PREFIX="$P" > "$T/make.out" 2>&1
check "make install PREFIX=\$T/prefix" test $? -eq 0
for f in bin/window bin/validate share/man/man1/window.1 \
    include/libstream/filter.h include/libstream/codec.h lib/libstream.a \
    lib/pkgconfig/libstream.pc; do
	check "installed: $f" test -f "$P/$f"
done
n=$(ls filters/*/main.c | wc -l)
check "installed: $n programs, $n man pages" test \
	"$(ls "$P/bin" | wc -l) $(ls "$P/share/man/man1" | wc -l)" = "$n $n"
check "installed programs run (window --help)" "$P/bin/window" --help > /dev/null

export PKG_CONFIG_PATH="$P/lib/pkgconfig"
cfl=$(pkg-config --cflags libstream) && libs=$(pkg-config --libs libstream)
check "pkg-config knows libstream" test $? -eq 0
case "$cfl $libs" in
*"$PWD"*) fail "pkg-config points into the tree: $cfl $libs" ;;
*) ok "pkg-config points at the installed copy" ;;
esac
cp docs/example.c "$T/example.c"
# shellcheck disable=SC2086
(cd "$T" && cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror \
	$cfl -o example example.c $libs)
check "docs/example.c builds against the installed libstream" test $? -eq 0
$PY -c '
import struct, sys, msgpack
t = msgpack.ExtType(0, struct.pack(">II", 1, 0))
sys.stdout.buffer.write(msgpack.packb([[t, {"kind": "sample", "dev": "a"}],
                                       {"x": 1.5, "y": -4}]))
' | "$T/example" > "$T/out.mp" 2> "$T/err"
check "the installed example runs: exit 0" test $? -eq 0
check "the installed example sums: c.sum = -2.5" $PY -c '
import msgpack, sys
(h, body), = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
sys.exit(0 if body.get("c.sum") == -2.5 else 1)' "$T/out.mp"

D=$T/dest
make -s install PREFIX=/opt/pdm DESTDIR="$D" > "$T/make2.out" 2>&1
check "make install DESTDIR=\$T/dest PREFIX=/opt/pdm" test $? -eq 0
check "DESTDIR: files under it" test -f "$D/opt/pdm/lib/libstream.a"
check "DESTDIR: the .pc names PREFIX, not DESTDIR" \
	grep -qx 'prefix=/opt/pdm' "$D/opt/pdm/lib/pkgconfig/libstream.pc"
make -s uninstall PREFIX="$P" > /dev/null 2>&1
check "make uninstall leaves no program, header or library" test \
	-z "$(find "$P" -type f)"
finish
