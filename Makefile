# mxready -- one plain Makefile for the core library, the programs, the tests.
#   make            build everything (build/)
#   make check      dependencies, sanitizer build (build-san/), every test
#   make demo       dependencies, build, test world, reports
#   make bench      benchmarks against the peers (long)
#   make install    PREFIX=/usr/local DESTDIR=
# WERROR= turns -Werror off (packagers); SAN=1 builds with ASan+UBSan.

PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system

CC      ?= cc
WERROR  ?= -Werror
SAN     ?=
BUILD   ?= $(if $(SAN),build-san,build)

WARN    = -Wall -Wextra $(WERROR) -Wformat=2 -Wshadow -Wstrict-prototypes \
          -Wmissing-prototypes -Wvla
comma := ,
SANFLAGS = $(if $(SAN),-fsanitize=address$(comma)undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
CFLAGS  ?= -O2 -g
ALLCFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP \
          -Icore -I/usr/include/opendkim -I/usr/include/libmilter \
          $(shell pkg-config --cflags gmime-3.0 2>/dev/null)
LDFLAGS ?=
ALLLDFLAGS = $(LDFLAGS) $(SANFLAGS)
CORE_LIBS = -lunbound -lspf2 -lopendkim -lpsl -lssl -lcrypto -lpthread
JSON_LIBS = -ljson-c
GMIME_LIBS = $(shell pkg-config --libs gmime-3.0 2>/dev/null)

CORE_SRC := $(sort $(wildcard core/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
LIBCORE  := $(BUILD)/libmxready.a

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

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -c -o $@ $<

$(LIBCORE): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/mxready: $(CLI_SRC:%.c=$(BUILD)/%.o) $(LIBCORE)
	$(CC) $(ALLLDFLAGS) -o $@ $^ $(JSON_LIBS) $(CORE_LIBS)

$(BUILD)/mxready-milter: $(MILTER_SRC:%.c=$(BUILD)/%.o) $(DAEMON_SRC:%.c=$(BUILD)/%.o) $(LIBCORE)
	$(CC) $(ALLLDFLAGS) -o $@ $^ -lmilter $(JSON_LIBS) $(CORE_LIBS)

$(BUILD)/mxready-policyd: $(POLICY_SRC:%.c=$(BUILD)/%.o) $(DAEMON_SRC:%.c=$(BUILD)/%.o) $(LIBCORE)
	$(CC) $(ALLLDFLAGS) -o $@ $^ $(JSON_LIBS) $(CORE_LIBS)

$(BUILD)/mxready-responder: $(RESP_SRC:%.c=$(BUILD)/%.o) $(DAEMON_SRC:%.c=$(BUILD)/%.o) $(LIBCORE)
	$(CC) $(ALLLDFLAGS) -o $@ $^ $(JSON_LIBS) $(GMIME_LIBS) $(CORE_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALLLDFLAGS) -o $@ $^ $(JSON_LIBS) $(CORE_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/tools/%.o $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALLLDFLAGS) -o $@ $^ $(JSON_LIBS) $(GMIME_LIBS) $(CORE_LIBS)

# libFuzzer targets: clang, one binary per tests/fuzz/fuzz_*.c, linked with
# the core sources compiled again with coverage instrumentation.
FUZZ_CC  ?= clang
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BUILD = build-fuzz
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
          -Icore -Idaemon -I/usr/include/opendkim $(shell pkg-config --cflags gmime-3.0 2>/dev/null)
FUZZ_CORE_OBJ := $(CORE_SRC:%.c=$(FUZZ_BUILD)/%.o) $(DAEMON_SRC:%.c=$(FUZZ_BUILD)/%.o) \
          $(filter-out %/main.o,$(MILTER_SRC:%.c=$(FUZZ_BUILD)/%.o) $(POLICY_SRC:%.c=$(FUZZ_BUILD)/%.o) $(RESP_SRC:%.c=$(FUZZ_BUILD)/%.o))

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_CORE_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(JSON_LIBS) $(GMIME_LIBS) $(CORE_LIBS)

fuzz: $(FUZZ_BIN)

deps:
	sh scripts/deps.sh

check: deps
	$(MAKE) SAN=1 all
	$(MAKE) fuzz
	sh tests/run.sh build-san

demo: deps
	$(MAKE) all
	sh tests/demo.sh build

bench:
	MXR_BENCH=1 sh scripts/deps.sh
	$(MAKE) all
	sh bench/run.sh build

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	install -m 755 $(BUILD)/mxready $(DESTDIR)$(BINDIR)/mxready
	for p in mxready-milter mxready-policyd mxready-responder; do \
	  if [ -f $(BUILD)/$$p ]; then install -m 755 $(BUILD)/$$p $(DESTDIR)$(SBINDIR)/$$p; fi; done
	install -d $(DESTDIR)$(SYSCONFDIR)/mxready
	for f in conf/*; do [ -f $$f ] && install -m 644 $$f $(DESTDIR)$(SYSCONFDIR)/mxready/ || true; done
	# units name the programs where this install puts them
	if ls systemd/*.service >/dev/null 2>&1; then install -d $(DESTDIR)$(UNITDIR) && \
	  for u in systemd/*; do sed -e 's|/usr/local/sbin|$(SBINDIR)|g' -e 's|/usr/local/bin|$(BINDIR)|g' \
	    -e 's|/etc/mxready|$(SYSCONFDIR)/mxready|g' $$u >$(DESTDIR)$(UNITDIR)/$${u##*/} && \
	    chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; done; fi
	for m in man/*.[0-9]; do [ -f $$m ] || continue; s=$${m##*.}; \
	  install -d $(DESTDIR)$(MANDIR)/man$$s && install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

clean:
	rm -rf build build-san build-fuzz

.PHONY: all check demo bench install clean deps fuzz
# Keep the objects of the fuzz build between runs.
.SECONDARY:

-include $(shell find build build-san build-fuzz -name '*.d' 2>/dev/null)
