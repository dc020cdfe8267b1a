# Waymark - build, run and test.
#
#   make run    install what is missing, build, serve a demo database on :8080
#   make test   install what is missing, build, run every test (plain and
#               under AddressSanitizer + UndefinedBehaviorSanitizer)
#
#   make bench  install wrk and nginx, generate (once) a database of a million
#               survivors, and measure the server against nginx and the
#               sqlite3 shell (QUICK=1: 20,000 survivors); then the mixed
#               workload (docs/performance.md)
#   make bench-mixed  the mixed workload alone: reads, writes and dashboards,
#               64 connections, 60 s, on SQLite, PostgreSQL and PostgreSQL
#               with two servers (MIXED_SECONDS=N to shorten)
#
# Other targets: make (build/waymark), make asan (the tests under the
# sanitizers only), make unit, make api, make web (the browser tests), make lint,
# make format, make clean.

CC      ?= cc
PKGS    := libmicrohttpd jansson sqlite3 libsodium libpq liboath libqrencode
# The printed documents (src/render/pdf.c): cairo's PDF surface, pango's layout.
PKGS    += pangocairo
# waymark import's .xlsx reader (src/util/sheet.c): libzip unpacks, expat parses.
PKGS    += libzip expat
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
           -Wvla -Werror
CFLAGS  ?= -O2 -g
BASE    := -std=c11 $(WARN) -D_FORTIFY_SOURCE=2 -fstack-protector-strong -pthread \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcsv (waymark import's CSV reader) ships no pkg-config file: linked by name.
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -pthread
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined

SRC      := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
MIGRATIONS := $(sort $(wildcard src/store/migrations/sqlite/*.sql))
PG_MIGRATIONS := $(sort $(wildcard src/store/migrations/postgresql/*.sql))
GEN      := build/gen/migrations_sqlite.c build/gen/migrations_pg.c build/gen/openapi.c build/gen/web_templates.c \
            build/gen/web_assets.c
# The documents' translations (po/*.po, docs/documents.md), read by src/i18n/po.c.
PO       := $(sort $(wildcard po/*.po))
GEN      += build/gen/po_files.c
# The pages' templates, and the design system (nhsuk-frontend, from npm:
# scripts/install-deps) with our own few styles and the script that starts it.
TEMPLATES := $(sort $(wildcard src/web/templates/*.mustache))
NHSUK    := node_modules/nhsuk-frontend/dist/nhsuk
NHSUK_IMAGES := $(sort $(wildcard $(NHSUK)/assets/images/*))
STATIC   := $(sort $(wildcard src/web/static/*))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

OBJ      := $(SRC:src/%.c=build/obj/%.o) $(GEN:build/gen/%.c=build/obj/gen/%.o)
ASAN_OBJ := $(SRC:src/%.c=build/asan/obj/%.o) $(GEN:build/gen/%.c=build/asan/obj/gen/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
UNIT_ASAN := $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)

.PHONY: all deps run test asan unit api web lint format format-check fuzz fuzz-build clean bench bench-mixed bench-import

all: build/waymark

deps:
	@scripts/install-deps

build/gen/migrations_sqlite.c: $(MIGRATIONS) scripts/embed-sql
	@mkdir -p $(@D)
	scripts/embed-sql $@ $(MIGRATIONS)

build/gen/migrations_pg.c: $(PG_MIGRATIONS) scripts/embed-sql
	@mkdir -p $(@D)
	scripts/embed-sql --backend pg $@ $(PG_MIGRATIONS)

build/gen/openapi.c: src/api/openapi.json scripts/embed-text
	@mkdir -p $(@D)
	scripts/embed-text openapi_json src/api/openapi.json $@

build/gen/web_templates.c: $(TEMPLATES) scripts/embed-files
	@mkdir -p $(@D)
	scripts/embed-files web_templates $@ $(foreach t,$(TEMPLATES),$(basename $(notdir $(t)))=$(t))

build/gen/po_files.c: $(PO) scripts/embed-files
	@mkdir -p $(@D)
	scripts/embed-files po_files $@ $(foreach p,$(PO),$(basename $(notdir $(p)))=$(p))

# The design system's stylesheet loads its typeface from a third party's
# server: those @font-face rules are cut, and the pages use Arial's
# metrics-compatible fallback its font stack names.
build/gen/nhsuk-frontend.min.css: $(NHSUK)/nhsuk-frontend.min.css
	@mkdir -p $(@D)
	sed -E 's/@font-face\{[^}]*\}//g; s@/\*# sourceMappingURL=[^*]*\*/@@' $< >$@

build/gen/web_assets.c: build/gen/nhsuk-frontend.min.css $(NHSUK)/nhsuk-frontend.min.js \
		$(NHSUK_IMAGES) $(STATIC) docs/import-template.csv scripts/embed-files
	@mkdir -p $(@D)
	scripts/embed-files web_assets $@ \
		/assets/import-template.csv=docs/import-template.csv \
		/assets/nhsuk-frontend.min.css=build/gen/nhsuk-frontend.min.css \
		/assets/nhsuk-frontend.min.js=$(NHSUK)/nhsuk-frontend.min.js \
		$(foreach f,$(NHSUK_IMAGES),/assets/images/$(notdir $(f))=$(f)) \
		$(foreach f,$(STATIC),/assets/$(notdir $(f))=$(f))

$(NHSUK)/nhsuk-frontend.min.css $(NHSUK)/nhsuk-frontend.min.js:
	@echo "nhsuk-frontend is not installed: run make deps (or scripts/install-deps)" >&2
	@exit 1

build/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE) $(CFLAGS) -Isrc/store -Isrc -c $< -o $@

build/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE) $(CFLAGS) -MMD -MP -c $< -o $@

build/asan/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE) $(SANFLAGS) -U_FORTIFY_SOURCE -Isrc/store -Isrc -c $< -o $@

build/asan/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE) $(SANFLAGS) -U_FORTIFY_SOURCE -MMD -MP -c $< -o $@

build/libwaymark.a: $(OBJ)
	ar rcs $@ $^

build/asan/libwaymark.a: $(ASAN_OBJ)
	ar rcs $@ $^

build/waymark: build/obj/main.o build/libwaymark.a
	$(CC) $(BASE) $(CFLAGS) $^ -o $@ $(LDLIBS)

build/asan/waymark: build/asan/obj/main.o build/asan/libwaymark.a
	$(CC) $(BASE) $(SANFLAGS) $^ -o $@ $(LDLIBS)

build/tests/%: tests/unit/%.c build/libwaymark.a
	@mkdir -p $(@D)
	$(CC) $(BASE) $(CFLAGS) -Isrc $< build/libwaymark.a -o $@ $(LDLIBS) -lcmocka

build/asan/tests/%: tests/unit/%.c build/asan/libwaymark.a
	@mkdir -p $(@D)
	$(CC) $(BASE) $(SANFLAGS) -U_FORTIFY_SOURCE -Isrc $< build/asan/libwaymark.a -o $@ \
		$(LDLIBS) -lcmocka

# The unit and API tests against the sanitizer build only.
asan: deps
	@$(MAKE) --no-print-directory build/asan/waymark $(UNIT_ASAN)
	@scripts/run-tests asan

run: deps
	@$(MAKE) --no-print-directory build/waymark
	build/waymark demo --db build/demo.db
	build/waymark serve --db build/demo.db --listen 127.0.0.1:8080

# The whole suite: lint, unit, API and browser tests, then all again under the
# sanitizers. scripts/run-tests prints the one summary line at the end. The
# three builds (plain, sanitizers, fuzz targets) compile on every core.
test: deps
	@$(MAKE) -j$$(nproc) --no-print-directory build/waymark $(UNIT_BIN) build/asan/waymark $(UNIT_ASAN) \
		$(FUZZ_BIN)
	@scripts/run-tests

unit: build/waymark $(UNIT_BIN)
	@for t in $(UNIT_BIN); do $$t || exit 1; done

api: build/waymark
	WAYMARK_BIN=build/waymark node --test tests/api/*.test.mjs

# The browser tests: the pages in Debian's Chromium (docs/testing.md).
web: deps build/waymark
	WAYMARK_BIN=build/waymark node --test --test-reporter=spec tests/web/*.test.mjs

# The benchmark (bench/run.mjs; never part of `make test`). The generated
# database is kept in build/bench/, named by its size and the generator's
# version, so a second run reuses it. SURVIVORS=N picks another size.
SURVIVORS ?= $(if $(QUICK),20000,1000000)

build/bench/gen: bench/gen.c build/libwaymark.a
	@mkdir -p $(@D)
	$(CC) $(BASE) $(CFLAGS) -Isrc $< build/libwaymark.a -o $@ $(LDLIBS)

bench:
	@scripts/install-deps bench
	@$(MAKE) --no-print-directory build/waymark build/bench/gen
	node bench/run.mjs --survivors $(SURVIVORS)
	node bench/mixed.mjs --survivors $(MIXED_SURVIVORS) --seconds $(MIXED_SECONDS)

# The mixed workload (bench/mixed.mjs): its own, smaller database, generated
# once into SQLite and into a PostgreSQL cluster kept in build/bench/.
MIXED_SURVIVORS ?= 5000
MIXED_SECONDS ?= 60

bench-mixed:
	@scripts/install-deps bench
	@$(MAKE) --no-print-directory build/waymark build/bench/gen
	node bench/mixed.mjs --survivors $(MIXED_SURVIVORS) --seconds $(MIXED_SECONDS)

# Import and export of a 10,000-row caseload (bench/import.mjs).
bench-import:
	@scripts/install-deps bench
	@$(MAKE) --no-print-directory build/waymark
	node bench/import.mjs $(or $(ROWS),10000)

# ctuuninitvar is suppressed: it flags every out-parameter struct passed
# uninitialised to a function that only writes it.
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--inline-suppr --std=c11 -D__GNUC__ --suppress=missingIncludeSystem \
		--suppress=ctuuninitvar \
		-I src src

# libFuzzer targets (clang; tests/fuzz/, docs/testing.md). The whole
# library is built once more with clang, instrumented for the fuzzer and
# under ASan+UBSan, and each target links it. `make fuzz` runs each
# FUZZ_SECONDS from its kept corpus (new inputs go to build/fuzz/corpus-NAME);
# `make test` replays each kept corpus and fuzzes it briefly
# (scripts/run-tests, runner fuzz-corpus).
FUZZ_SECONDS ?= 30
FUZZ_FLAGS := -std=c11 $(WARN) -Wno-unknown-warning-option -pthread $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
              -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=undefined
FUZZ_OBJ := $(SRC:src/%.c=build/fuzz/obj/%.o) $(GEN:build/gen/%.c=build/fuzz/obj/gen/%.o)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

build/fuzz/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -Isrc/store -Isrc -c $< -o $@

build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -MMD -MP -c $< -o $@

build/fuzz/libwaymark.a: $(FUZZ_OBJ)
	ar rcs $@ $^

build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h build/fuzz/libwaymark.a
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer -Isrc $< build/fuzz/libwaymark.a -o $@ $(LDLIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
		n=$$(basename $$f | sed 's/^fuzz_//'); mkdir -p build/fuzz/corpus-$$n; \
		echo "== $$f ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -artifact_prefix=build/fuzz/ \
			build/fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; \
	done

format:
	clang-format -i $$(find src tests/unit tests/fuzz -name '*.[ch]')

format-check:
	clang-format --dry-run --Werror $$(find src tests/unit tests/fuzz -name '*.[ch]')

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d)
