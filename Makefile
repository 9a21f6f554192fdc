# mxready -- one plain Makefile for the core library, the programs, the tests.
#   make            build everything (build/)
#   make check      dependencies, sanitizer build (build-san/), every test
#   make demo       dependencies, build, test world, reports
#   make bench      benchmarks against the peers (long)
#   make install    PREFIX=/usr/local DESTDIR=  (never overwrites a config file)
#   make deb        the Debian package (build-deb/), see debian/README.source
#   make world      start the DNS test world and leave it running (demo)
# WERROR= turns -Werror off (packagers); SAN=1 builds with ASan+UBSan;
# HARDEN= drops the default hardening flags (see HARDEN_CFLAGS below);
# V=1 shows every compiler and linker command (quiet by default).

PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DOCDIR  ?= $(PREFIX)/share/doc/mxready
# One version for every program (-V): the first entry of debian/changelog.
VERSION := $(shell awk -F'[()]' 'NR == 1 { sub(/-[^-]*$$/, "", $$2); print $$2 }' debian/changelog 2>/dev/null)
# Quiet build unless V=1: errors and warnings still show.
Q       = $(if $(V),,@)

CC      ?= cc
WERROR  ?= -Werror
SAN     ?=
BUILD   ?= $(if $(SAN),build-san,build)

WARN    = -Wall -Wextra $(WERROR) -Wformat=2 -Wshadow -Wstrict-prototypes \
          -Wmissing-prototypes -Wvla
comma := ,
SANFLAGS = $(if $(SAN),-fsanitize=address$(comma)undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
CFLAGS  ?= -O2 -g
CPPFLAGS ?=
# Hardening of every program by default (network daemons): fortified libc
# calls (needs the -O of CFLAGS), stack protector, position-independent
# executables, full RELRO (relocations read-only, symbols bound at start).
# Packagers override HARDEN_CFLAGS/HARDEN_LDFLAGS or set HARDEN= and pass
# their own (dpkg-buildflags) through CPPFLAGS/CFLAGS/LDFLAGS, which come
# later on the command line and so win.  The sanitizer build leaves
# _FORTIFY_SOURCE out: the __*_chk functions it substitutes are not
# intercepted by ASan, which would then miss overflows it otherwise reports.
HARDEN  ?= 1
HARDEN_CFLAGS ?= $(if $(HARDEN),$(if $(SAN),,-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2) \
          -fstack-protector-strong -fPIE)
HARDEN_LDFLAGS ?= $(if $(HARDEN),-pie -Wl$(comma)-z$(comma)relro -Wl$(comma)-z$(comma)now)
ALLCFLAGS = -std=c11 -D_GNU_SOURCE -DMXR_VERSION='"$(VERSION)"' $(WARN) $(HARDEN_CFLAGS) \
          $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -MMD -MP \
          -Icore -Iprobe -I/usr/include/opendkim -I/usr/include/libmilter \
          $(shell pkg-config --cflags gmime-3.0 2>/dev/null)
LDFLAGS ?=
ALLLDFLAGS = $(HARDEN_LDFLAGS) $(LDFLAGS) $(SANFLAGS)
CORE_LIBS = -lunbound -lspf2 -lopendkim -lpsl -lidn2 -lssl -lcrypto -lpthread
JSON_LIBS = -ljson-c
# daemon/reload.c tells systemd the daemons' state (sd_notify)
DAEMON_LIBS = -lsystemd
GMIME_LIBS = $(shell pkg-config --libs gmime-3.0 2>/dev/null)
# The responder's state store (LMDB, Redis); programs and tests that use it.
STORE_LIBS = -llmdb -lhiredis

CORE_SRC := $(sort $(wildcard core/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
LIBCORE  := $(BUILD)/libmxready.a

# The active probe (opens sockets): its own library beside the core.
PROBE_SRC := $(sort $(wildcard probe/*.c))
PROBE_OBJ := $(PROBE_SRC:%.c=$(BUILD)/%.o)
LIBPROBE  := $(BUILD)/libmxprobe.a

CLI_SRC  := $(sort $(wildcard cli/*.c))
MILTER_SRC := $(sort $(wildcard milter/*.c))
POLICY_SRC := $(sort $(wildcard policy/*.c))
RESP_SRC := $(sort $(wildcard responder/*.c))
# Code shared by the daemons (config file, syslog verdict, actions).
DAEMON_SRC := $(sort $(wildcard daemon/*.c))

PROGS := $(BUILD)/mxready
PROGS += $(if $(MILTER_SRC),$(BUILD)/mxready-milter)
PROGS += $(if $(POLICY_SRC),$(BUILD)/mxready-policyd)
PROGS += $(if $(RESP_SRC),$(BUILD)/mxready-responder)

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/%)

all: $(PROGS) $(UNIT_BIN) $(TOOL_BIN)

# the programs only (the package)
progs: $(PROGS)

# Every object is rebuilt when the flags change (HARDEN=, CFLAGS=, ...): a
# stamp holds them and is rewritten only when they differ.
FLAGS_STAMP = $(BUILD)/.flags
FLAGS_NOW = $(strip $(ALLCFLAGS) $(ALLLDFLAGS))
$(FLAGS_STAMP): FORCE
	$(shell mkdir -p $(BUILD))$(if $(subst x$(FLAGS_NOW),,x$(strip $(file <$@))),$(file >$@,$(FLAGS_NOW)))

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALLCFLAGS) -c -o $@ $<

$(LIBCORE): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(LIBPROBE): $(PROBE_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/mxready: $(CLI_SRC:%.c=$(BUILD)/%.o) $(LIBPROBE) $(LIBCORE)
	$(Q)$(CC) $(ALLLDFLAGS) -o $@ $^ $(JSON_LIBS) $(CORE_LIBS) -lz -lm

$(BUILD)/mxready-milter: $(MILTER_SRC:%.c=$(BUILD)/%.o) $(DAEMON_SRC:%.c=$(BUILD)/%.o) $(LIBCORE)
	$(Q)$(CC) $(ALLLDFLAGS) -o $@ $^ -lmilter $(JSON_LIBS) $(DAEMON_LIBS) $(CORE_LIBS)

$(BUILD)/mxready-policyd: $(POLICY_SRC:%.c=$(BUILD)/%.o) $(DAEMON_SRC:%.c=$(BUILD)/%.o) $(LIBCORE)
	$(Q)$(CC) $(ALLLDFLAGS) -o $@ $^ $(JSON_LIBS) $(DAEMON_LIBS) $(CORE_LIBS)

# the responder probes the sender's mail servers (probe_timeout): libmxprobe
$(BUILD)/mxready-responder: $(RESP_SRC:%.c=$(BUILD)/%.o) $(DAEMON_SRC:%.c=$(BUILD)/%.o) $(LIBPROBE) $(LIBCORE)
	$(Q)$(CC) $(ALLLDFLAGS) -o $@ $^ $(JSON_LIBS) $(GMIME_LIBS) $(STORE_LIBS) $(DAEMON_LIBS) $(CORE_LIBS)

# tests and tools that #include the state store's sources
$(BUILD)/tests/test_rstore $(BUILD)/tests/rstore_bench: EXTRA_LIBS = $(STORE_LIBS)
# the probe section is built with GLib's GString
$(BUILD)/tests/test_rprobe: EXTRA_LIBS = $(GMIME_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBPROBE) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALLLDFLAGS) -o $@ $^ $(JSON_LIBS) $(EXTRA_LIBS) $(CORE_LIBS)

# The verdict-line reader is tested against the real writer (daemon/vlog.c).
$(BUILD)/tests/test_vline: $(BUILD)/tests/unit/test_vline.o $(BUILD)/daemon/vlog.o $(LIBCORE)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALLLDFLAGS) -o $@ $^ $(CORE_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/tools/%.o $(LIBCORE)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALLLDFLAGS) -o $@ $^ $(JSON_LIBS) $(GMIME_LIBS) $(EXTRA_LIBS) $(CORE_LIBS)

# libFuzzer targets: clang, one binary per tests/fuzz/fuzz_*.c, linked with
# the core sources compiled again with coverage instrumentation.
FUZZ_CC  ?= clang
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BUILD = build-fuzz
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
          -Icore -Iprobe -Idaemon -I/usr/include/opendkim $(shell pkg-config --cflags gmime-3.0 2>/dev/null)
FUZZ_CORE_OBJ := $(CORE_SRC:%.c=$(FUZZ_BUILD)/%.o) $(PROBE_SRC:%.c=$(FUZZ_BUILD)/%.o) $(DAEMON_SRC:%.c=$(FUZZ_BUILD)/%.o) \
          $(filter-out %/main.o,$(MILTER_SRC:%.c=$(FUZZ_BUILD)/%.o) $(POLICY_SRC:%.c=$(FUZZ_BUILD)/%.o) $(RESP_SRC:%.c=$(FUZZ_BUILD)/%.o))

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_CORE_OBJ)
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(JSON_LIBS) $(GMIME_LIBS) $(STORE_LIBS) $(DAEMON_LIBS) $(CORE_LIBS)

fuzz: $(FUZZ_BIN)

deps:
	@sh scripts/deps.sh

# Both cores for the builds (CI has 2); the tests run one after another.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
check: deps
	$(MAKE) -j$(JOBS) SAN=1 all
	$(MAKE) -j$(JOBS) fuzz
	sh tests/run.sh build-san

# Every libFuzzer target for FUZZ_SECONDS each (default 300), not in make check.
fuzz-long: fuzz
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} sh tests/fuzz-long.sh

# quiet: the demo's output is the product's, not the compiler's (V=1 shows it)
demo: deps
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh build

bench:
	MXR_BENCH=1 sh scripts/deps.sh
	$(MAKE) all
	sh bench/run.sh build

# Paths in the shipped files are written for the default PREFIX; SUBST puts
# them where this install goes (programs, configuration, docs).
SUBST = sed -e 's|/usr/local/sbin|$(SBINDIR)|g' -e 's|/usr/local/bin|$(BINDIR)|g' \
          -e 's|/usr/local/share/doc/mxready|$(DOCDIR)|g' -e 's|/etc/mxready|$(SYSCONFDIR)/mxready|g' \
          -e 's|/usr/lib/tmpfiles.d|$(TMPFILESDIR)|g' -e 's|/usr/lib/sysusers.d|$(SYSUSERSDIR)|g'
DOCS := README.md $(sort $(wildcard docs/*.md))

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	install -m 755 $(BUILD)/mxready $(DESTDIR)$(BINDIR)/mxready
	for p in mxready-milter mxready-policyd mxready-responder; do \
	  if [ -f $(BUILD)/$$p ]; then install -m 755 $(BUILD)/$$p $(DESTDIR)$(SBINDIR)/$$p; fi; done
	# configuration: an existing file is the admin's and is never replaced;
	# the new version goes next to it as FILE.dist
	install -d $(DESTDIR)$(SYSCONFDIR)/mxready
	for f in conf/*; do [ -f $$f ] || continue; d=$(DESTDIR)$(SYSCONFDIR)/mxready/$${f#conf/}; \
	  $(SUBST) $$f >$$d.new && chmod 644 $$d.new || exit 1; \
	  if [ -e $$d ] && ! cmp -s $$d $$d.new; then mv -f $$d.new $$d.dist; \
	    echo "make install: kept your $(SYSCONFDIR)/mxready/$${f#conf/}; the shipped version is $(SYSCONFDIR)/mxready/$${f#conf/}.dist"; \
	  else mv -f $$d.new $$d; fi; done
	# units name the programs where this install puts them
	if ls systemd/*.service >/dev/null 2>&1; then install -d $(DESTDIR)$(UNITDIR) && \
	  for u in systemd/*.service systemd/*.socket; do [ -f $$u ] || continue; \
	    $(SUBST) $$u >$(DESTDIR)$(UNITDIR)/$${u##*/} && \
	    chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; done; fi
	# the mxready user (sysusers.d) and its directories (tmpfiles.d)
	install -d $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	install -m 644 systemd/mxready.sysusers $(DESTDIR)$(SYSUSERSDIR)/mxready.conf
	install -m 644 systemd/mxready.tmpfiles $(DESTDIR)$(TMPFILESDIR)/mxready.conf
	for m in man/*.[0-9]; do [ -f $$m ] || continue; s=$${m##*.}; \
	  install -d $(DESTDIR)$(MANDIR)/man$$s && \
	  $(SUBST) $$m >$(DESTDIR)$(MANDIR)/man$$s/$${m#man/} && chmod 644 $(DESTDIR)$(MANDIR)/man$$s/$${m#man/} || exit 1; done
	# the documents the man pages cite
	install -d $(DESTDIR)$(DOCDIR)
	for d in $(DOCS); do install -m 644 $$d $(DESTDIR)$(DOCDIR)/ || exit 1; done

# The Debian package, built from a copy of the tracked files (the tree's
# own build directories stay as they are); artefacts in build-deb/.
DEB_JOBS ?= 2
deb:
	rm -rf build-deb && mkdir -p build-deb/src
	git ls-files -z --cached --others --exclude-standard | xargs -0 tar cf - | tar xf - -C build-deb/src
	cd build-deb/src && DEB_BUILD_OPTIONS="nocheck parallel=$(DEB_JOBS) $(DEB_BUILD_OPTIONS)" \
	  dpkg-buildpackage -us -uc -b >../build.log 2>&1 || { tail -n 40 ../build.log; exit 1; }
	rm -rf build-deb/src
	ls build-deb/*.deb

# The DNS test world, left running (for the demo's commands and by hand):
# make world WORLD=/tmp/mxr-world; stop it with tests/world/stop.sh DIR.
WORLD ?= /tmp/mxr-world
world: deps
	mkdir -p $(WORLD) && sh tests/world/start.sh $(WORLD)
	@echo "world running in $(WORLD): MXR_WORLD=$(WORLD); stop: sh tests/world/stop.sh $(WORLD)"

clean:
	rm -rf build build-san build-fuzz build-deb

.PHONY: all check demo bench install clean deps fuzz fuzz-long deb world progs FORCE
# Keep the objects of the fuzz build between runs.
.SECONDARY:

-include $(shell find build build-san build-fuzz -name '*.d' 2>/dev/null)
