# Murr's front door. `make run` and `make test` are the README's two commands.
JOBS ?= 2
RELEASE_DIR ?= build/release
ASAN_DIR ?= build/asan
FUZZ_DIR ?= build/fuzz
CMAKE_FLAGS ?=
# `make fuzz` budget: FUZZ_SECONDS per target (default 60) over every fuzz/*_fuzz.cc (8 targets:
# about 8 minutes of fuzzing after the build); FUZZ_TARGETS limits it to some (e.g. "segment").
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
# `make soak` duration in seconds (default 10 minutes).
SOAK_SECONDS ?= 600

.PHONY: deps build build-main build-asan test test-release test-asan test-install run bench bench-quick bench-deps bench-python bench-sync fuzz soak format clean

deps:
	@scripts/install-deps

$(RELEASE_DIR)/build.ninja:
	cmake -S . -B $(RELEASE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMURR_SANITIZE=ON \
	  -DMURR_BENCH_PROGRAMS=OFF \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" $(CMAKE_FLAGS)

# Everything: the server, the tests and the benchmark programs (bench/bench.cmake).
build: build-main
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target bench_programs

# The server, the Python package and the tests: everything but the benchmark programs.
build-main: deps $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR) -j $(JOBS)

build-asan: deps $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS)

test-release: build-main
	cd $(RELEASE_DIR) && ctest -j $(JOBS) --output-on-failure -LE install-native

test-asan: build-asan
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 MURR_SANITIZED=1 \
	  ctest -j $(JOBS) --output-on-failure -LE 'no-asan|install-native'

# Every test, in the Release build and again under ASan + UBSan.
test: test-release test-asan

# The native wheel from `python -m build python`, installed into a fresh venv, and every Python
# test there (python/install-test; it compiles the engine again, so it is not in `make test`).
test-install: build-main
	cd $(RELEASE_DIR) && ctest --output-on-failure -L install-native

run: build-main
	$(RELEASE_DIR)/murr serve

# Murr side by side with Redis, PostgreSQL and upstream Murr (skipped with a note until
# `make bench-deps`) (bench/results/full.md and .png), ingestion with Murr's durability: none
# (bench/results/ingest-none.md), then the engine's own benchmark and int64 against utf8 keys
# (key_type_bench). See docs/benchmarks.md.
bench: build
	$(RELEASE_DIR)/murr_compare --config bench/compare/full.yaml
	$(RELEASE_DIR)/murr_compare --config bench/compare/ingest-none.yaml
	$(RELEASE_DIR)/murr_bench
	$(RELEASE_DIR)/key_type_bench

# The same comparison on 1M rows (bench/results/quick.md and .png), within 5 minutes.
bench-quick: build
	$(RELEASE_DIR)/murr_compare --config bench/compare/quick.yaml

# Upstream Murr (the Rust `murr` crate, pinned to UPSTREAM_MURR_VERSION, with the crate's own
# Cargo.lock) for murr_compare's optional upstream-murr backend, installed by cargo into
# $(RELEASE_DIR)/upstream/bin/murr next to murr_compare, which finds it there (decision 0025).
# Without it that backend is skipped with a note. Needs Rust >= 1.85 (edition 2024; Debian
# bookworm's cargo is older: use rustup) and libclang (clang, scripts/install-deps) for RocksDB's
# bindings. Compiling RocksDB from source takes a long while on 2 cores (well over an hour when
# the machine is busy); the compiled crates stay in upstream/target and, with ccache, the C++
# objects in ccache's cache, so an interrupted install resumes from them. Run again when
# installed: nothing to do.
UPSTREAM_MURR_VERSION ?= 0.2.1
UPSTREAM_DIR = $(abspath $(RELEASE_DIR))/upstream
UPSTREAM_CCACHE = $(if $(shell command -v ccache),CC="ccache cc" CXX="ccache c++")
bench-deps:
	@command -v cargo >/dev/null 2>&1 || { echo "bench-deps: cargo not found (Rust >= 1.85, e.g. from rustup)"; exit 1; }
	$(UPSTREAM_CCACHE) cargo install --locked --version $(UPSTREAM_MURR_VERSION) \
	  --root $(UPSTREAM_DIR) --target-dir $(UPSTREAM_DIR)/target murr
	$(UPSTREAM_DIR)/bin/murr --version

# Python end to end (bench/python/py_bench.py): 1,000 random keys x 10 float32 columns out of 10M
# rows into a pandas DataFrame / NumPy matrix through each Murr face against `murr serve`, redis-py
# (blob MGET, Feast-style HMGETs) and psycopg, p50/p99. PY_BENCH_ARGS="--rows 1000000" is quicker.
PY_BENCH_ARGS ?=
bench-python: build
	MURR_PYTHON_DIR=$(RELEASE_DIR)/python .venv/bin/python bench/python/py_bench.py \
	  --murr $(RELEASE_DIR)/murr $(PY_BENCH_ARGS)

# Loads a 10M-row partition (10 ZSTD files, utf8 key + 10 float32) from moto's S3 server on
# loopback: rows/s end to end, time until the new version serves, read p50 during the load vs
# idle (docs/benchmarks.md). Not part of `make test`.
bench-sync: build
	$(RELEASE_DIR)/sync_bench

# Every libFuzzer target for FUZZ_SECONDS each (budget above), in a clang build of its own; exits
# non-zero on any crash, leak, timeout or OOM (inputs in fuzz-corpus/artifacts/). See fuzz/.
fuzz:
	@scripts/install-deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DMURR_FUZZ=ON -DMURR_WERROR=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target murr_fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-fuzzers $(FUZZ_DIR) $(FUZZ_TARGETS)

# The real server under SOAK_SECONDS of 32 connections of mixed verified reads and writes on a
# 1M-row table; fails on any error or on RSS growth over 10% after the warm-up (docs/benchmarks.md).
# Not part of `make test`.
soak: build
	$(RELEASE_DIR)/murr_soak --seconds $(SOAK_SECONDS)

# Debian installs clang-format as clang-format-14 (package clang-format-14).
CLANG_FORMAT ?= $(or $(shell command -v clang-format),$(shell command -v clang-format-14),clang-format)

format:
	find src tests bench -name '*.h' -o -name '*.cc' | xargs $(CLANG_FORMAT) -i

clean:
	rm -rf build
