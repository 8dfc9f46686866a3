# pdm-edge: predictive-maintenance filters for edge devices.
#
#   make            build libstream and every filter into bin/
#   make test       install missing packages, build, run all tests (also under ASan+UBSan)
#   make demo       replay bundled recordings through the pipeline
#   make bench      run the benchmarks and print their figures
#   make fuzz       fuzz the codec, tap's JSON and the number parsers (clang; FUZZ_SECONDS=60 each)
#   make install    programs, man pages, libstream (headers, libstream.a,
#                   libstream.pc) under $(DESTDIR)$(PREFIX) (/usr/local)
#
# One filter = one folder filters/NAME/ (*.c + NAME.1) -> bin/NAME.
# libstream/*.c -> build/<variant>/libstream.a.  tests/unit/test_*.c -> one
# cmocka binary each.  Variants: rel (bin/) and san (build/san/bin/, ASan+UBSan).

CC	?= cc
PKG	?= pkg-config
OPT	?= -O2 -g
WARN	 = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
STD	 = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
SANFL	 = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

BASEPKG	 = msgpack libzmq libsodium
PKGCFLAGS := $(shell $(PKG) --cflags $(BASEPKG) kissfft-float openblas 2>/dev/null)

# Extra pkg-config packages per filter (default: none beyond BASEPKG).
PKGS_window	= kissfft-float
PKGS_infer	=	# OpenBLAS: opened at run time (filters/infer/model.c)
# libstream's uplink (sample-upload, collect) speaks MQTT through
# libmosquitto, opened at run time by the first mqtt:// uplink
# (libstream/uplink_mqtt.c): nothing links it, or libssl and libcrypto
PKGS_train	= openblas

FILTERS	:= $(notdir $(patsubst %/,%,$(dir $(wildcard filters/*/main.c))))
LIBSRC	:= $(wildcard libstream/*.c)
UNITSRC	:= $(wildcard tests/unit/test_*.c)
BENCHSRC := $(wildcard bench/*.c)

all: rel

# ---- variant rules ---------------------------------------------------------
# $(1) = variant name, $(2) = extra CFLAGS, $(3) = bin dir
define variant
B_$(1)		 = build/$(1)
LIBA_$(1)	 = build/$(1)/libstream.a
LIBOBJ_$(1)	 = $$(LIBSRC:%.c=build/$(1)/%.o)
BINS_$(1)	 = $$(FILTERS:%=$(3)/%)
UNITS_$(1)	 = $$(UNITSRC:tests/unit/%.c=build/$(1)/tests/%)

build/$(1)/%.o: %.c $$(wildcard libstream/*.h filters/*/*.h) | build/$(1)/.dir
	@mkdir -p $$(dir $$@)
	$$(CC) $$(STD) $$(OPT) $$(WARN) $(2) -Ilibstream $$(PKGCFLAGS) $$(CPPFLAGS) $$(CFLAGS) -c -o $$@ $$<

$$(LIBA_$(1)): $$(LIBOBJ_$(1))
	@rm -f $$@
	$$(AR) rcs $$@ $$^

# a unit test: the test file plus the filter sources it names in a
# "// link: filters/x/y.c ..." line
build/$(1)/tests/%: tests/unit/%.c $$(LIBA_$(1)) $$(wildcard libstream/*.h filters/*/*.[ch] tests/unit/*.h tests/fuzz/*.h) | build/$(1)/.dir
	@mkdir -p $$(dir $$@)
	$$(CC) $$(STD) $$(OPT) $$(WARN) -Wno-missing-prototypes $(2) -Ilibstream -Ifilters $$(PKGCFLAGS) $$(CPPFLAGS) $$(CFLAGS) \
		-o $$@ $$< $$(shell sed -n 's|^// link: ||p' $$<) $$(LIBA_$(1)) \
		$$(shell $$(PKG) --libs $$(BASEPKG) cmocka $$(shell sed -n 's|^// pkgs: ||p' $$<)) -lm $$(LDFLAGS)

$(1): $$(LIBA_$(1)) $$(BINS_$(1)) $$(UNITS_$(1))
endef

# $(1) variant, $(2) extra CFLAGS, $(3) bin dir, $(4) filter: every .c in its folder
define program
$(3)/$(4): $$(patsubst %.c,build/$(1)/%.o,$$(wildcard filters/$(4)/*.c)) $$(LIBA_$(1)) | $(3)/.dir
	$$(CC) $(2) -Wl,--as-needed -o $$@ $$(filter %.o,$$^) $$(LIBA_$(1)) \
		$$(shell $$(PKG) --libs $$(BASEPKG) $$(PKGS_$(4))) -lm $$(LDFLAGS)
endef

$(eval $(call variant,rel,,bin))
$(eval $(call variant,san,$(SANFL),build/san/bin))
$(foreach f,$(FILTERS),$(eval $(call program,rel,,bin,$(f))))
$(foreach f,$(FILTERS),$(eval $(call program,san,$(SANFL),build/san/bin,$(f))))

%/.dir:
	@mkdir -p $(dir $@) && touch $@

# ---- top-level jobs --------------------------------------------------------
deps:
	@sh .ci/deps

test: deps
	@$(MAKE) --no-print-directory -j2 rel san bench-bins
	@sh tests/run.sh

check: test

BENCHBINS := $(BENCHSRC:bench/%.c=build/rel/bench/%)
build/rel/bench/%: bench/%.c $(LIBA_rel) $(wildcard libstream/*.h filters/*/*.[ch]) | build/rel/.dir
	@mkdir -p $(dir $@)
	$(CC) $(STD) -O2 -g $(WARN) -Wno-missing-prototypes -Ilibstream -Ifilters $(PKGCFLAGS) $(CPPFLAGS) $(CFLAGS) \
		-o $@ $< $(shell sed -n 's|^// link: ||p' $<) $(LIBA_rel) \
		$(shell $(PKG) --libs $(BASEPKG) $(shell sed -n 's|^// pkgs: ||p' $<)) -lm $(LDFLAGS)

bench-bins: $(BENCHBINS)

bench: deps
	@$(MAKE) --no-print-directory rel bench-bins
	@sh bench/run.sh

demo: deps
	@$(MAKE) --no-print-directory rel
	@sh pipelines/demo.sh

# The fuzzers, tests/fuzz/fuzz_NAME.c (plus the filter sources named in a
# "// link:" line): fuzz_codec, the fast decoder against msgpack-c on every
# input (codec_check.h); fuzz_json, tap's JSON mapping both ways
# (json_check.h); fuzz_num, the number parsers against strtod
# (num_check.h).  New inputs go to build/fuzz/NAME/; the committed corpora
# testdata/fuzz/NAME/ are replayed by make test (tests/unit/test_corpus.c).
# A failing input is written to build/fuzz/crash-*.  Merge what was found
# into testdata with:
#   build/fuzz/fuzz_NAME -merge=1 testdata/fuzz/NAME build/fuzz/NAME
FUZZ_CC		?= clang
FUZZ_SECONDS	?= 60
FUZZERS		:= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h tests/unit/*.h filters/*/*.[ch]) $(LIBSRC) $(wildcard libstream/*.h)
	@command -v $(FUZZ_CC) > /dev/null || { echo "make fuzz: needs $(FUZZ_CC) and libFuzzer" \
	    "(Debian 12: apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
	@mkdir -p build/fuzz/$*
	$(FUZZ_CC) $(STD) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Ilibstream -Ifilters $(PKGCFLAGS) -o $@ $< $(shell sed -n 's|^// link: ||p' $<) $(LIBSRC) \
		$(shell $(PKG) --libs $(BASEPKG)) -lm

fuzz: $(FUZZERS:%=build/fuzz/fuzz_%)
	@for f in $(FUZZERS); do \
		echo "fuzz_$$f: $(FUZZ_SECONDS) s"; \
		build/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		    -artifact_prefix=build/fuzz/ build/fuzz/$$f testdata/fuzz/$$f || exit 1; \
	done

# ---- install ---------------------------------------------------------------
# The programs and their man pages, and libstream as a library a user's own
# filter builds against with pkg-config alone (docs/libstream.md, "Building
# against an installed libstream"):
#   cc $$(pkg-config --cflags libstream) -o f f.c $$(pkg-config --libs libstream)
# Headers go flat into include/libstream/ (they include each other by name).
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
INCDIR	?= $(PREFIX)/include/libstream
LIBDIR	?= $(PREFIX)/lib
PCDIR	?= $(LIBDIR)/pkgconfig
VERSION	?= 0.1

build/libstream.pc: Makefile FORCE | build/.dir
	@printf '%s\n' 'prefix=$(PREFIX)' \
	    'includedir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCDIR))' \
	    'libdir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))' '' \
	    'Name: libstream' \
	    'Description: pdm-edge frames (msgpack [[time, meta], body]) over pipes, files and ZeroMQ, and the filter skeleton' \
	    'Version: $(VERSION)' \
	    'Requires: $(BASEPKG)' \
	    'Cflags: -I$${includedir}' \
	    'Libs: -L$${libdir} -lstream -lm' > $@

install: rel build/libstream.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(INCDIR) \
	    $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PCDIR)
	install -m 755 $(FILTERS:%=bin/%) $(DESTDIR)$(BINDIR)
	install -m 644 $(foreach f,$(FILTERS),$(wildcard filters/$(f)/$(f).1)) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(wildcard libstream/*.h) $(DESTDIR)$(INCDIR)
	install -m 644 $(LIBA_rel) $(DESTDIR)$(LIBDIR)/libstream.a
	install -m 644 build/libstream.pc $(DESTDIR)$(PCDIR)/libstream.pc

uninstall:
	rm -f $(FILTERS:%=$(DESTDIR)$(BINDIR)/%) $(FILTERS:%=$(DESTDIR)$(MANDIR)/man1/%.1) \
	    $(DESTDIR)$(LIBDIR)/libstream.a $(DESTDIR)$(PCDIR)/libstream.pc
	rm -rf $(DESTDIR)$(INCDIR)

clean:
	rm -rf build bin

.PHONY: all rel san deps test check bench bench-bins demo fuzz install uninstall clean FORCE
FORCE:
.SECONDARY:
