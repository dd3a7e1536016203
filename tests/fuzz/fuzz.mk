# libFuzzer targets — included at the end of the main Makefile.
#
#   make fuzz                  build, replay tests/fuzz/regress/, fuzz each
#                              target for FUZZ_SECONDS (default 15)
#   make fuzz FUZZ_SECONDS=300 longer runs
#   make fuzz-build            only build build-fuzz/fuzz_* and the seed corpora
#   make fuzz-regress          only replay tests/fuzz/regress/<target>/*
#   make fuzz-clean            remove build-fuzz/
#
# Needs clang with libFuzzer (clang 14 here) and LLVM's OpenMP runtime
# (libomp-dev) for -fopenmp. Everything is built in build-fuzz/, with the
# library sources instrumented like the targets. A crash, leak, UB report or
# failed check makes the target fail; libFuzzer writes the input that did it
# into tests/fuzz/regress/<target>/ (crash-*, leak-*, timeout-*, oom-*), and
# every later `make fuzz` replays that directory before fuzzing.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 15
FUZZ_DIR     := build-fuzz
FUZZ_TARGETS := reader fields config model xlsx pgmask
FUZZ_FLAGS   := -std=c11 -g -O1 -fno-omit-frame-pointer -fopenmp \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# The library is compiled as canaux compiles it, minus -Werror: the point is
# to fuzz it, not to hold it to a second compiler's warnings.
FUZZ_WARN    := $(filter-out -Werror,$(WARN))
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_DIR)/%.o)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_RUNFLAGS = -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -timeout=10 \
                -rss_limit_mb=2048 -max_len=65536
# Environment of the fuzzer runs only (not exported: it must not reach the
# other rules of the Makefile). libomp spins between parallel regions by
# default; with one small input per run that spinning took half the CPU of
# fuzz_reader (2-3x fewer exec/s), hence KMP_BLOCKTIME and OMP_WAIT_POLICY.
FUZZ_ENV     := ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
                KMP_BLOCKTIME=0 OMP_WAIT_POLICY=passive

# Debian packages of the fuzz build, and a file from each to check for:
# installed as root when missing, like `make deps`.
FUZZ_DEB_PKGS := clang libclang-rt-14-dev libomp-dev
FUZZ_DEB_FILES := /usr/bin/clang /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a \
                  /usr/lib/llvm-14/lib/libomp.so

.PHONY: fuzz fuzz-deps fuzz-build fuzz-regress fuzz-seeds fuzz-clean

fuzz-deps: deps
	$(call deb_install,fuzz-deps,$(FUZZ_DEB_FILES),$(FUZZ_DEB_PKGS))

fuzz: fuzz-build fuzz-regress
	@fail=""; \
	for t in $(FUZZ_TARGETS); do \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  mkdir -p tests/fuzz/regress/$$t $(FUZZ_DIR)/corpus/$$t; \
	  $(FUZZ_ENV) ./$(FUZZ_DIR)/fuzz_$$t $(FUZZ_RUNFLAGS) \
	    -artifact_prefix=tests/fuzz/regress/$$t/ \
	    $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/seeds/$$t > $(FUZZ_DIR)/$$t.log 2>&1; \
	  rc=$$?; \
	  grep -E '^#[0-9]+.*DONE|^stat::|^Done [0-9]+ runs' $(FUZZ_DIR)/$$t.log; \
	  if [ $$rc -ne 0 ]; then \
	    echo "fuzz: $$t FAILED (exit $$rc); log $(FUZZ_DIR)/$$t.log, input in tests/fuzz/regress/$$t/"; \
	    grep -E 'ERROR|SUMMARY|runtime error|^    #[0-9] ' $(FUZZ_DIR)/$$t.log | head -20; \
	    fail="$$fail $$t"; \
	  fi; \
	done; \
	if [ -n "$$fail" ]; then echo "fuzz: failed:$$fail"; exit 1; fi; \
	echo "fuzz: all targets ran $(FUZZ_SECONDS) s without a finding"

fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS) fuzz-seeds

# Replays every saved finding (and hand-made regression input); any failure
# stops here, before fuzzing.
fuzz-regress: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  files=$$(find tests/fuzz/regress/$$t -type f ! -name '.gitkeep' ! -name '*.md' 2>/dev/null | sort); \
	  if [ -n "$$files" ]; then \
	    echo "fuzz-regress: $$t: $$(echo "$$files" | wc -l) input(s)"; \
	    $(FUZZ_ENV) ./$(FUZZ_DIR)/fuzz_$$t $$files > $(FUZZ_DIR)/$$t.regress.log 2>&1 || { \
	      echo "fuzz-regress: $$t FAILED; log $(FUZZ_DIR)/$$t.regress.log"; \
	      grep -E 'Running:|ERROR|SUMMARY|runtime error|^    #[0-9] ' $(FUZZ_DIR)/$$t.regress.log | head -20; \
	      exit 1; }; \
	  fi; \
	done

$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) $(FUZZ_WARN) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) $(WARN) $< $(FUZZ_LIB_OBJ) $(LDLIBS) -o $@

# Seed corpora: the hand-written seeds of tests/fuzz/seeds/<target>/ plus
# inputs made from sample-data/ (heads of the CSV samples, the .ini files,
# a model saved by canaux segment when ./canaux is built). Rebuilt each time;
# the corpus libFuzzer grows is in $(FUZZ_DIR)/corpus/<target>/.
fuzz-seeds:
	@rm -rf $(FUZZ_DIR)/seeds; \
	for t in $(FUZZ_TARGETS); do mkdir -p $(FUZZ_DIR)/seeds/$$t; cp tests/fuzz/seeds/$$t/* $(FUZZ_DIR)/seeds/$$t/ 2>/dev/null; done; \
	S=$(FUZZ_DIR)/seeds; \
	zcat sample-data/sample.csv.gz | head -40 > $(FUZZ_DIR)/sample-head.csv; \
	head -40 sample-data/sample_fr.csv > $(FUZZ_DIR)/sample_fr-head.csv; \
	i=0; for csv in $(FUZZ_DIR)/sample-head.csv sample-data/broken.csv; do \
	  for fl in '\000' '\101' '\202' '\313'; do \
	    i=$$((i+1)); { printf "$$fl"; cat $$csv; } > $$S/reader/sample-$$i; \
	  done; \
	done; \
	{ printf '\006'; cat sample-data/french.ini; printf '%%%%\n'; cat $(FUZZ_DIR)/sample_fr-head.csv; } > $$S/reader/french; \
	{ printf '\106'; cat sample-data/french.ini; printf '%%%%\n'; cat $(FUZZ_DIR)/sample_fr-head.csv; } > $$S/reader/french-chunk512; \
	iconv -f UTF-8 -t CP1252 $(FUZZ_DIR)/sample_fr-head.csv > $(FUZZ_DIR)/sample_fr-cp1252.csv; \
	{ printf '\106'; cat sample-data/french.ini; printf '%%%%\n'; cat $(FUZZ_DIR)/sample_fr-cp1252.csv; } > $$S/reader/french-cp1252-auto; \
	{ printf '\306'; cat sample-data/french.ini; printf 'encoding = cp1252\n%%%%\n'; cat $(FUZZ_DIR)/sample_fr-cp1252.csv; } > $$S/reader/french-cp1252; \
	{ printf '\104'; grep -v '^delimiter' sample-data/french.ini; printf '%%%%\n\377\376'; \
	  tr ';' '\t' < $(FUZZ_DIR)/sample_fr-head.csv | iconv -f UTF-8 -t UTF-16LE; } > $$S/reader/french-utf16; \
	{ printf '\101[input]\nencoding = utf-16\nnull = -, NULL\n[columns]\norder_id = a + b\n%%%%\n'; \
	  printf 'a,b,date,customer_id,channel,product_id,quantity,unit_price,revenue\nO,1,31/5/18,C,web,P,1,"$1,001.18",(3)\n' \
	  | iconv -f UTF-8 -t UTF-16BE; } > $$S/reader/composed-utf16be; \
	for ini in sample-data/*.ini; do cp $$ini $$S/config/; done; \
	n=0; for f in 2024-01-01 '2024-01-01 00:07' 2024-02-29T23:59:59.999Z 08/01/2024 '08/01/2024 10:29' \
	      11/8/2016 31.12.2199 1900-1-1 '48.75' '-0.15' '1 234 567,89' '15 %' '1e308' '.5'; do \
	  n=$$((n+1)); printf '\000%s' "$$f" > $$S/fields/s$$n; printf '\001%s' "$$f" > $$S/fields/f$$n; \
	done; \
	for f in '$$1,001.18' '(12.50)' '-$$12.50' '$$-12.50' '1.234,56 €' '1 234,56 EUR' '1,5' 'USD 12' \
	      '31/5/18' '5/31/18' '1,234,567.891'; do \
	  n=$$((n+1)); printf '\020%s' "$$f" > $$S/fields/s$$n; printf '\021%s' "$$f" > $$S/fields/f$$n; \
	done; \
	if [ -x ./canaux ]; then \
	  [ -s $(FUZZ_DIR)/sample.model ] || ./canaux segment -q -o $(FUZZ_DIR)/segment-out \
	    --save-model $(FUZZ_DIR)/sample.model sample-data/sample.csv.gz >/dev/null 2>&1; \
	  cp $(FUZZ_DIR)/sample.model $$S/model/ 2>/dev/null \
	  || echo "fuzz-seeds: canaux segment --save-model failed; model seeds are the hand-written ones only"; \
	fi; \
	for t in $(FUZZ_TARGETS); do echo "fuzz-seeds: $$t: $$(ls $$S/$$t | wc -l) seed(s)"; done

fuzz-clean:
	rm -rf $(FUZZ_DIR)

-include $(FUZZ_LIB_OBJ:.o=.d)
