# canaux — build, tests, benchmarks.
#
# Sources are found by wildcard: every .c under engine/, loaders/, reports/
# and sample-data/ goes into build/libcanaux.a; cli/*.c makes the binary;
# every tests/unit/test_*.c is its own cmocka program linked against the
# library. `make test` runs the unit tests and the end-to-end tests, then the
# same again under AddressSanitizer + UndefinedBehaviorSanitizer.

VERSION := 0.1.0
CC      ?= cc
BUILD   ?= build
OPT     ?= -O2 -g
SAN     ?=

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wcast-qual -Wwrite-strings -Wvla -Wno-format-nonliteral
CPPFLAGS += -D_GNU_SOURCE -DCANAUX_VERSION=\"$(VERSION)\" -DCANAUX_SAMPLE=\"$(CURDIR)/$(SAMPLE)\" -I. \
            -I/usr/include/postgresql
CFLAGS   += -std=c11 $(OPT) -fopenmp $(WARN) $(SAN)
LDFLAGS  += -fopenmp $(SAN)
LDLIBS   := -lcsv -linih -ljson-c -lnettle -lxlsxwriter -lzip -lexpat -lpq -lgsl -lgslcblas -lz -lm

LIB_SRC  := $(sort $(wildcard engine/*.c loaders/*.c reports/*.c sample-data/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BIN      := $(BUILD)/canaux

# Debian packages the build and the tests need, and a file from each to
# check for. libzip and expat read .xlsx inputs (loaders/xlsx.c); libpq-dev
# builds the PostgreSQL source, and postgresql is the server tests/e2e/pg.sh
# starts (initdb in a temporary folder). python3-openpyxl reads the workbook
# back and chromium renders the HTML report in the end-to-end tests;
# valgrind runs them under memcheck (and its header tells canaux that it
# runs under valgrind: cli/main.c).
DEB_PKGS := gcc make libcsv-dev libgsl-dev libcmocka-dev zlib1g-dev libinih-dev libjson-c-dev nettle-dev libxlsxwriter-dev libzip-dev libexpat1-dev libpq-dev python3 python3-openpyxl chromium valgrind postgresql
DEB_HDRS := /usr/include/csv.h /usr/include/gsl/gsl_rng.h /usr/include/cmocka.h \
            /usr/include/zlib.h /usr/include/ini.h /usr/include/json-c/json.h /usr/include/nettle/sha2.h \
            /usr/include/xlsxwriter.h /usr/include/zip.h /usr/include/expat.h /usr/include/postgresql/libpq-fe.h \
            /usr/lib/python3/dist-packages/openpyxl/__init__.py /usr/bin/chromium \
            /usr/bin/valgrind /usr/include/valgrind/valgrind.h /usr/lib/postgresql/*/bin/initdb

SAMPLE := sample-data/sample.csv.gz

.PHONY: all deps run check test unit e2e test-pg test-valgrind test-failmalloc test-asan bench bench-peers bench-scale clean
.DEFAULT_GOAL := all

all: deps $(BIN) canaux

# The binary also appears at the top of the tree, for the README's commands.
canaux: $(BIN)
	@ln -sf $(BIN) canaux

# $(call deb_install,NAME,FILES,PACKAGES): when a file of FILES is missing,
# installs PACKAGES as root; otherwise prints the exact command and fails.
define deb_install
	@missing=""; for f in $(2); do [ -e $$f ] || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "$(1): installing $(3)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(3) >/dev/null; \
	  else \
	    echo "$(1): missing packages; run as root:"; \
	    echo "  apt-get update && apt-get install -y $(3)"; exit 1; \
	  fi; \
	fi
endef

deps:
	$(call deb_install,deps,$(DEB_HDRS) /usr/bin/python3,$(DEB_PKGS))

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libcanaux.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(BUILD)/libcanaux.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libcanaux.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcanaux.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(BUILD)/libcanaux.a -lcmocka $(LDLIBS)

# The main job on the bundled sample with the built-in cost model: a profile
# of the input, then the whole report set written to out/ (replaced).
run: all
	./canaux check $(SAMPLE)
	./canaux run --force -o out

unit: deps $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do \
	  echo "== $$t"; CANAUX_SRC=$(CURDIR) $$t || fail=1; done; \
	[ $$fail = 0 ] || { echo "unit tests FAILED"; exit 1; }

e2e: deps $(BIN)
	@CANAUX_BIN=$(CURDIR)/$(BIN) CANAUX_SRC=$(CURDIR) sh tests/e2e/run.sh
	@if [ -f tests/e2e/abuse.sh ]; then CANAUX_BIN=$(CURDIR)/$(BIN) CANAUX_SRC=$(CURDIR) sh tests/e2e/abuse.sh; fi

# The PostgreSQL source against a server started for the tests (initdb and
# pg_ctl in a temporary folder, as nobody under root). PG_CHECKS adds the
# PostgreSQL runs under valgrind and the allocation-failure walk over them;
# test-asan runs the same tests without them against the sanitizer build.
PG_CHECKS ?= valgrind failmalloc
test-pg: deps $(BIN) $(BUILD)/failmalloc.so
	@CANAUX_BIN=$(CURDIR)/$(BIN) CANAUX_SRC=$(CURDIR) \
	  $(if $(filter valgrind,$(PG_CHECKS)),CANAUX_PG_VALGRIND=1) \
	  $(if $(filter failmalloc,$(PG_CHECKS)),FAILMALLOC_SO=$(CURDIR)/$(BUILD)/failmalloc.so) \
	  sh tests/e2e/pg.sh

# End-to-end runs under valgrind memcheck: no memory error, no leak.
# The workbook reader, which canaux does not call yet, through xlsx_dump.
test-valgrind: deps $(BIN) $(BUILD)/xlsx_dump
	@CANAUX_BIN=$(CURDIR)/$(BIN) sh tests/e2e/valgrind.sh
	@XLSX_DUMP=$(CURDIR)/$(BUILD)/xlsx_dump sh tests/failmalloc/xlsx.sh valgrind

# Every allocation of canaux's own code made to fail in turn (an LD_PRELOAD
# shim, tests/failmalloc/failmalloc.c).
$(BUILD)/failmalloc.so: tests/failmalloc/failmalloc.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -g $(WARN) -shared -fPIC -o $@ $< -ldl

# xlsx_dump reads every sheet of a workbook through loaders/xlsx.h, for
# the allocation-failure and valgrind runs of the workbook reader.
$(BUILD)/xlsx_dump: tests/failmalloc/xlsx_dump.c $(BUILD)/libcanaux.a
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcanaux.a $(LDLIBS)

test-failmalloc: deps $(BIN) $(BUILD)/failmalloc.so $(BUILD)/xlsx_dump
	@CANAUX_BIN=$(CURDIR)/$(BIN) FAILMALLOC_SO=$(CURDIR)/$(BUILD)/failmalloc.so sh tests/failmalloc/run.sh
	@XLSX_DUMP=$(CURDIR)/$(BUILD)/xlsx_dump FAILMALLOC_SO=$(CURDIR)/$(BUILD)/failmalloc.so sh tests/failmalloc/xlsx.sh

# The whole suite, the end-to-end runs under valgrind, allocation failures,
# then the suite again under ASan + UBSan in a separate build tree.
test: unit e2e test-pg test-valgrind test-failmalloc
	@$(MAKE) --no-print-directory test-asan

test-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	  ASAN_OPTIONS=detect_leaks=1 PG_CHECKS= unit e2e test-pg

# libcsv_count: libcsv's bare field splitting (only counts), the floor that
# `make bench` measures canaux check against.
$(BUILD)/libcsv_count: tests/bench/libcsv_count.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(OPT) $(WARN) -D_GNU_SOURCE -o $@ $< -lcsv

# BENCH_ARGS passes options to bench.py (--sizes, --runs).
BENCH_ARGS ?=
bench: all $(BUILD)/libcsv_count
	@python3 tests/bench/bench.py --bin ./canaux --libcsv-count $(BUILD)/libcsv_count $(BENCH_ARGS)

# canaux beside DuckDB (SQL without k-means, Node's @duckdb/node-api from
# the npm registry, installed into build/duckdb, never into the source tree)
# and the same pipeline in pandas + scikit-learn (Debian's, run by
# /usr/bin/python3), on the 1M and 10M files of make bench. Node.js comes
# with the machine (20); Debian's nodejs serves when it is missing.
# PEERS_ARGS passes options to peers.py (--sizes, --runs, --peers, --plant).
PEER_DEB_PKGS := python3-pandas python3-sklearn
PEER_DEB_FILES := /usr/lib/python3/dist-packages/pandas/__init__.py \
                  /usr/lib/python3/dist-packages/sklearn/__init__.py
DUCKDB_VERSION := 1.5.6-r.1
DUCKDB_DIR     := $(BUILD)/duckdb
DUCKDB_STAMP   := $(DUCKDB_DIR)/installed-$(DUCKDB_VERSION)
PEERS_ARGS     ?=

$(DUCKDB_STAMP):
	$(call deb_install,bench-peers,/usr/bin/node /usr/bin/npm,nodejs npm)
	@rm -rf $(DUCKDB_DIR) && mkdir -p $(DUCKDB_DIR)
	@echo "bench-peers: installing @duckdb/node-api@$(DUCKDB_VERSION) into $(DUCKDB_DIR)"
	npm install --prefix $(DUCKDB_DIR) --no-save --no-audit --no-fund --no-package-lock \
	  --loglevel=error @duckdb/node-api@$(DUCKDB_VERSION)
	@node -e "require('$(CURDIR)/$(DUCKDB_DIR)/node_modules/@duckdb/node-api')" || \
	  { rm -rf $(DUCKDB_DIR)/node_modules; echo "bench-peers: @duckdb/node-api does not load"; exit 1; }
	@touch $@

bench-peers: all $(DUCKDB_STAMP)
	$(call deb_install,bench-peers,$(PEER_DEB_FILES),$(PEER_DEB_PKGS))
	@/usr/bin/python3 tests/bench/peers.py --bin ./canaux --duckdb-modules $(DUCKDB_DIR) $(PEERS_ARGS)

# 100M lines (about 8.6 GB, generated and deleted) against 10M; gzip input.
# SCALE_ARGS passes options to scale.py (--rows: the smaller size).
SCALE_ARGS ?=
bench-scale: all
	@python3 tests/bench/scale.py --bin ./canaux $(SCALE_ARGS)

clean:
	rm -rf build build-asan canaux

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d)

# libFuzzer targets (clang): make fuzz, defined in tests/fuzz/fuzz.mk.
-include tests/fuzz/fuzz.mk
