# CartMan Connect — build, run, test.
#
#   make run     install what is missing, build, start the demo store and both daemons
#   make test    the same set-up, then every test (unit, sanitizer, integration), one summary line
#   make bench   load the daemons with h2load and print the figures
#   make fuzz    short libFuzzer runs over every parser
#   make lint    cppcheck, clang-tidy and the banned-function check
#
# Build products live under build/<mode>/ (mode: release or asan).

MODE    ?= release
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)
BUILD   := build/$(MODE)
CC      ?= gcc
PKGS    := libh2o-evloop openssl libjwt libmariadb jansson libcurl

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcrypt -largon2 -lpthread -lm

WARN := -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual \
        -Wpointer-arith -Wwrite-strings -Wvla -Wnull-dereference -Wduplicated-cond -Wlogical-op -Werror

CFLAGS_COMMON := -std=c17 -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -I. $(PKG_CFLAGS) $(WARN) -g -MMD -MP
ifeq ($(MODE),asan)
CFLAGS  := $(CFLAGS_COMMON) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS := -fsanitize=address,undefined
else
CFLAGS  := $(CFLAGS_COMMON) -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=3 -fPIE
LDFLAGS := -pie -Wl,-z,relro,-z,now
endif

COMMON_SRC := $(wildcard common/*.c)
AUTHD_SRC  := $(filter-out authd/main.c,$(wildcard authd/*.c))
APID_SRC   := $(filter-out apid/main.c,$(wildcard apid/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
SQL_SRC    := $(wildcard authd/sql/*.sql)

OBJ        := $(BUILD)/obj
COMMON_OBJ := $(COMMON_SRC:%.c=$(OBJ)/%.o)
AUTHD_OBJ  := $(AUTHD_SRC:%.c=$(OBJ)/%.o) $(SQL_SRC:%.sql=$(OBJ)/%.sql.o)
APID_OBJ   := $(APID_SRC:%.c=$(OBJ)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN   := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz-replay/%)
TOOLS_BIN  := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))
BENCH_BIN  := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))

.PHONY: all build asan unit-build run test bench fuzz fuzz-build lint clean deps
.DEFAULT_GOAL := all

all: build
build: $(BUILD)/authd $(BUILD)/apid $(UNIT_BIN) $(REPLAY_BIN) $(TOOLS_BIN) $(BENCH_BIN)

asan:
	$(MAKE) MODE=asan build

$(BUILD)/libcommon.a: $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libauthd.a: $(AUTHD_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libapid.a: $(APID_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/authd: $(OBJ)/authd/main.o $(BUILD)/libauthd.a $(BUILD)/libcommon.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/apid: $(OBJ)/apid/main.o $(BUILD)/libapid.a $(BUILD)/libcommon.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: $(OBJ)/tests/unit/%.o $(BUILD)/libauthd.a $(BUILD)/libapid.a $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Test helpers (tests/tools: mint_token) and micro-benchmarks (tests/bench: bench_signing, bench_bearer).
$(BUILD)/tools/%: $(OBJ)/tests/tools/%.o $(BUILD)/libauthd.a $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bench/%: $(OBJ)/tests/bench/%.o $(BUILD)/libauthd.a $(BUILD)/libapid.a $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# SQL files are linked into authd as data (symbols _binary_authd_sql_<name>_sql_start/_end).
$(OBJ)/%.sql.o: %.sql
	@mkdir -p $(@D)
	$(Q)ld -r -b binary -z noexecstack -o $@ $<

-include $(shell find build -name '*.d' 2>/dev/null)

deps:
	@common/scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory build
	@common/scripts/run.sh

test: deps
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory MODE=asan build
	@common/scripts/test.sh

bench: deps
	@$(MAKE) --no-print-directory build
	@common/scripts/bench.sh

# Each target fuzz_X.c links the pure parser common/X.c or apid/X.c (plus what it lists in FUZZ_EXTRA_X).
FUZZ_EXTRA_forwarded := common/cidr.c
fuzz-build: $(FUZZ_BIN)
FUZZ_EXTRA_mail_build := common/mail_address.c
FUZZ_EXTRA_download_files := common/php_serialize.c common/report_range.c
FUZZ_EXTRA_order_meta := common/json_out.c common/php_serialize.c
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c common/%.c
	@mkdir -p $(@D)
	clang -std=c17 -D_GNU_SOURCE -I. $(PKG_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined -o $@ $^ $(FUZZ_EXTRA_$*) $(PKG_LIBS)
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c apid/%.c
	@mkdir -p $(@D)
	clang -std=c17 -D_GNU_SOURCE -I. $(PKG_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined -o $@ $^ $(FUZZ_EXTRA_$*) $(PKG_LIBS)
# The same targets in the gcc build (MODE=asan), run over the committed corpora by `make test`.
$(BUILD)/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(BUILD)/libapid.a $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ tests/fuzz/$*.c tests/fuzz/replay_main.c $(BUILD)/libapid.a $(BUILD)/libcommon.a $(PKG_LIBS)

fuzz: deps fuzz-build
	@common/scripts/fuzz.sh $(FUZZ_SECONDS)

lint:
	@common/scripts/lint.sh

clean:
	rm -rf build
