# Strata build.  See README.md.
#
#   make                 build build/rel/strata and the static libraries
#   make test            unit tests, fuzz-corpus replay, CLI end-to-end tests
#   make test SANITIZE=1 the same under AddressSanitizer + UBSan (build/san)
#   make test-long       torture runs (crash loops, concurrency soaks)
#   make test-peer       differential tests against DuckDB 1.5 (installs it)
#   make demo            the main job on generated data
#   make bench           the benchmark suite against DuckDB (bench/results/)
#   make fuzz            libFuzzer runs (clang), FUZZ_SECONDS each
#
# Missing Debian packages are installed (as root) or named (otherwise).

SHELL := /bin/bash
CC ?= cc
SANITIZE ?= 0
FUZZ_SECONDS ?= 60

ifeq ($(SANITIZE),1)
BUILD := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD := build/rel
SANFLAGS :=
endif

WARN := -Wall -Wextra -Werror -Wno-missing-field-initializers
CFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -I. -pthread -MMD -MP $(SANFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := -pthread $(SANFLAGS)
LDLIBS := -lzstd -lroaring -ljansson -lsnappy -lz -lm

DEB_PKGS := libzstd-dev libxxhash-dev libroaring-dev libjansson-dev libcmocka-dev \
            libsnappy-dev zlib1g-dev tzdata

LIB_SRC  := $(shell find format engine -name '*.c' 2>/dev/null | sort)
GEN_SRC  := $(shell find bench/gen -name '*.c' 2>/dev/null | sort)
CLI_SRC  := $(sort $(wildcard cli/*.c))
UNIT_SRC := $(shell find tests/unit -name 'test_*.c' 2>/dev/null | sort)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
GEN_OBJ  := $(GEN_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz-replay/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

LIB := $(BUILD)/libstrata.a
GENLIB := $(if $(GEN_SRC),$(BUILD)/libstratagen.a)
STRATA := $(BUILD)/strata
DEPS_OK := build/.deps-ok

.PHONY: all deps test test-unit test-fuzz-replay test-cli test-long test-peer demo bench \
        bench-format fuzz clean peer
.DEFAULT_GOAL := all

all: $(STRATA) $(LIB) $(GENLIB)

# ---- dependencies -----------------------------------------------------------
deps: $(DEPS_OK)
$(DEPS_OK): Makefile
	@missing=""; \
	for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make: installing Debian packages:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null || exit 1; \
	  elif sudo -n true 2>/dev/null; then \
	    echo "make: installing Debian packages:$$missing"; \
	    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null || exit 1; \
	  else \
	    echo "make: missing Debian packages:$$missing"; \
	    echo "make: run:  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
	@mkdir -p build && touch $@

# ---- compile ----------------------------------------------------------------
$(BUILD)/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

ifneq ($(GEN_SRC),)
$(GENLIB): $(GEN_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^
endif

$(STRATA): $(CLI_OBJ) $(GENLIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(GENLIB) $(LIB) $(LDLIBS)
	@ln -sf $(notdir $(BUILD))/strata build/strata 2>/dev/null || true

$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(GENLIB) tests/unit/test_util.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(GENLIB) $(LIB) -lcmocka $(LDLIBS) $(LDFLAGS)

# fuzz targets replayed over their corpora with a plain driver (no clang needed)
$(BUILD)/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/fuzz/replay_main.c $(LIB) $(LDLIBS) $(LDFLAGS)

$(BUILD)/bench/%: bench/%.c $(LIB) $(GENLIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(GENLIB) $(LIB) $(LDLIBS) $(LDFLAGS)

# ---- tests ------------------------------------------------------------------
test: all $(UNIT_BIN) $(FUZZ_REPLAY)
	@tests/run_unit.sh $(BUILD) $(UNIT_BIN)
	@tests/run_fuzz_replay.sh $(FUZZ_REPLAY)
	@STRATA=$(abspath $(STRATA)) tests/cli/run.sh
	@echo "make test: all passed ($(BUILD))"

test-long: all $(UNIT_BIN)
	@STRATA=$(abspath $(STRATA)) STRATA_LONG=1 tests/long/run.sh

PEER := bench/.peer
peer:
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else echo "make: npm is missing; run: sudo apt-get install -y nodejs npm"; exit 1; fi; }
	@../shared/peer/setup $(PEER) >/dev/null

test-peer: all peer
	@STRATA=$(abspath $(STRATA)) DUCKQ=$(abspath $(PEER))/duckq tests/peer/run.sh

demo: all $(BENCH_BIN)
	@STRATA=$(abspath $(STRATA)) bench/demo.sh

bench: all peer $(BENCH_BIN)
	@STRATA=$(abspath $(STRATA)) DUCKQ=$(abspath $(PEER))/duckq BUILD=$(BUILD) bench/run.sh

bench-format: all peer $(BUILD)/bench/bench_format
	@DUCKQ=$(abspath $(PEER))/duckq $(BUILD)/bench/bench_format

# ---- fuzzing (clang + libFuzzer) --------------------------------------------
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
build/fuzz/libstrata.a: $(LIB_SRC) | $(DEPS_OK)
	@mkdir -p build/fuzz/obj
	@command -v clang >/dev/null || { echo "make: fuzz needs clang: apt-get install -y clang libclang-rt-14-dev"; exit 1; }
	cd build/fuzz/obj && for f in $(LIB_SRC); do \
	  mkdir -p $$(dirname $$f); \
	  clang -std=gnu11 -O1 -g -D_GNU_SOURCE -DST_FUZZING -I$(CURDIR) -fsanitize=address,undefined,fuzzer-no-link -c $(CURDIR)/$$f -o $${f%.c}.o || exit 1; \
	done
	ar rcs $@ $$(find build/fuzz/obj -name '*.o')

build/fuzz/%: tests/fuzz/%.c build/fuzz/libstrata.a
	clang -std=gnu11 -O1 -g -D_GNU_SOURCE -DST_FUZZING -I. -fsanitize=address,undefined,fuzzer -o $@ $< build/fuzz/libstrata.a $(LDLIBS)

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	  n=$$(basename $$f); n=$${n#fuzz_}; mkdir -p tests/fuzz/corpus/$$n build/fuzz/new/$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 build/fuzz/new/$$n tests/fuzz/corpus/$$n || exit 1; \
	done

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(GEN_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d)
