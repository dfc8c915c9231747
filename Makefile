# xdp-pcscf build. Everything lands in $(BUILD) (default build/).
#
#   make            build the XDP object, its skeleton, pcscfd, pcscfctl, imsue
#   make deps       install the Debian packages the build and the tests need
#   make test       build (plus an ASan/UBSan copy and the fuzzers), run every test
#   make demo       the registration lab (network namespaces)
#   make bench      benchmarks, each next to a same-run baseline
#   make fuzzers    build the libFuzzer harnesses (clang)
#   make fuzz       build them and run each for FUZZ_SECONDS (default 60) on its corpus
#   make tsan       ThreadSanitizer build of the concurrency tests (build/tsan/tests/)
#
# New sources are picked up by directory: userspace/<module>/*.c go into
# libpcscf.a, tests/unit/test_*.c become one test binary each, and so on.

BUILD	?= build
CC	?= gcc
CLANG	?= clang
BPFTOOL	?= bpftool
ARCH	:= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

WARN	:= -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
# CFLAGS may come from the command line (make fuzzers does that); the flags the
# build needs are added in ALL_CFLAGS so they survive it.
CFLAGS	?= -O2 -g
# libxml2 parses reg-event bodies (RFC 3680 reginfo, userspace/sip/reginfo.c).
XML_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
ALL_CFLAGS = $(CFLAGS) $(WARN) -D_GNU_SOURCE -Iinclude -Iuserspace -I$(BUILD) -pthread $(XML_CFLAGS)
LDLIBS	:= -lxdp -lbpf -losipparser2 -losip2 -lfdcore -lfdproto -lsodium -lcrypto -lxml2 -lresolv -lelf -lz -lpthread

ifeq ($(SAN),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
endif

MODULES	:= common xdp esp sip aka reg proxy rx
LIB_SRCS := $(foreach m,$(MODULES),$(wildcard userspace/$(m)/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB	:= $(BUILD)/libpcscf.a

BPF_OBJ	:= $(BUILD)/pcscf.bpf.o
BPF_SKEL := $(BUILD)/pcscf.skel.h
BARE_OBJ := $(BUILD)/bare_pass.bpf.o
BPF_HDRS := $(wildcard bpf/*.h bpf/lib/*.h) include/pcscf_maps.h
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Iinclude -Ibpf \
	$(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))

BINS	:= $(foreach p,pcscfd pcscfctl imsue,$(if $(wildcard userspace/$(p)/*.c),$(BUILD)/$(p)))
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TESTS	:= $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCHES	:= $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOLS	:= $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)
HDRS	:= $(wildcard include/*.h userspace/*/*.h)

.PHONY: all deps test demo bench bench-scale fuzz fuzzers tsan tests benches tools clean format

all: $(BPF_OBJ) $(BPF_SKEL) $(BARE_OBJ) $(BINS)

tools: all $(TOOLS)
tests: all $(TESTS) $(TOOLS)
benches: all $(BENCHES) $(TOOLS)

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BARE_OBJ): tests/bench/bare_pass.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_SKEL): $(BPF_OBJ)
	$(BPFTOOL) gen skeleton $< name pcscf_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/userspace/%.o: userspace/%.c $(HDRS) $(BPF_SKEL)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

define prog
$(BUILD)/$(1): $(patsubst %.c,$(BUILD)/%.o,$(wildcard userspace/$(1)/*.c)) $(LIB)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach p,pcscfd pcscfctl imsue,$(eval $(call prog,$(p))))

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB) $(HDRS) $(BPF_SKEL)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIB) $(HDRS) $(BPF_SKEL)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/bench/%: tests/bench/%.c $(LIB) $(HDRS) $(BPF_SKEL)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# libFuzzer harnesses: the library is rebuilt with clang and the sanitizers.
fuzzers:
	$(MAKE) BUILD=$(BUILD)/fuzz CC=$(CLANG) \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
		$(BUILD)/fuzz/libpcscf.a $(BUILD)/fuzz/pcscf.skel.h
	@mkdir -p $(BUILD)/fuzz/bin
	set -e; for f in $(FUZZ_SRCS); do n=$$(basename $$f .c); \
		$(CLANG) -O1 -g -fsanitize=fuzzer,address,undefined $(WARN) -D_GNU_SOURCE \
		-Iinclude -Iuserspace -I$(BUILD)/fuzz -o $(BUILD)/fuzz/bin/$$n $$f \
		$(BUILD)/fuzz/libpcscf.a $(LDLIBS); done

# ThreadSanitizer: the library and the tests that run threads against each other.
TSAN_TESTS := test_sa_slots test_rx_queue
tsan:
	$(MAKE) BUILD=$(BUILD)/tsan CFLAGS="-O1 -g -fsanitize=thread" LDFLAGS=-fsanitize=thread \
		$(TSAN_TESTS:%=$(BUILD)/tsan/tests/%)

# Each harness replays its seeds, then fuzzes FUZZ_SECONDS; a finding fails
# the run and its input is kept in $(BUILD)/fuzz/artifacts/.
FUZZ_SECONDS ?= 60
fuzz: fuzzers
	@set -e; fail=0; for f in $(BUILD)/fuzz/bin/fuzz_*; do n=$$(basename $$f); \
		FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=0 FUZZ_ARTIFACTS=$(BUILD)/fuzz/artifacts \
		bash tests/fuzz/run_one.sh $$f tests/fuzz/corpus/$${n#fuzz_} || fail=1; done; \
		exit $$fail

deps:
	bash .ci/install-deps.sh

# make test: build normal + sanitized + fuzzers, then the runner prints "N passed, N failed".
test:
	@bash .ci/install-deps.sh --if-missing
	$(MAKE) tools
	$(MAKE) SAN=1 BUILD=$(BUILD)/san tests
	$(MAKE) fuzzers
	$(MAKE) tsan
	bash tests/run.sh

demo:
	@bash .ci/install-deps.sh --if-missing
	$(MAKE) tools
	bash tests/demo.sh

bench:
	@bash .ci/install-deps.sh --if-missing
	$(MAKE) benches
	bash tests/bench/run.sh

# Issue 8 at 1k, 10k, 100k and 1M registered UEs (SIZES=1k,10k picks; 1M takes minutes).
SIZES ?= 1k,10k,100k,1M
bench-scale:
	@bash .ci/install-deps.sh --if-missing
	$(MAKE) benches tools
	SIZES=$(SIZES) bash tests/bench/bench_scale.sh | tee $(BUILD)/bench/scale.txt

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
