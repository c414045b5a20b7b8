# The README's two commands: `make demo` (the whole tuning loop on the embedded default)
# and `make test` (every test, against a real PostgreSQL). Both install what is missing.

SWIFT ?= swift
APT_PACKAGES := postgresql-15 postgresql-contrib postgresql-15-hypopg pgbouncer zlib1g-dev openssl
# What only the tests need: a real Prometheus server scrapes `tuner load --metrics-listen`; perf profiles a native
# test service that gcc builds.
TEST_APT_PACKAGES := prometheus linux-perf gcc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test deps build release clean format

deps:
	@missing=""; for p in $(APT_PACKAGES) $(EXTRA_APT_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

# What only the tests need from PyPI: kubernetes-validate checks `tuner k8s manifest`'s YAML; py-spy profiles a Python
# test service.
TEST_PIP_PACKAGES := kubernetes-validate py-spy

build:
	$(MAKE) deps EXTRA_APT_PACKAGES="$(TEST_APT_PACKAGES)"
	@[ -x .build/venv/bin/kubernetes-validate ] && [ -x .build/venv/bin/py-spy ] || { python3 -m venv .build/venv && .build/venv/bin/pip install -q $(TEST_PIP_PACKAGES); }
	$(SWIFT) build --build-tests

release: deps
	$(SWIFT) build -c release --product tuner
	$(SWIFT) build -c release --product demo-shop

# Suites whose bounds are timings of real processes (capacity searches, sweeps, cold starts, stalls, shards on one
# clock, profiles, CPU meters): they run after the parallel pass, at most two tests at a time, so that no other suite
# shares the machine's cores with them (beside the 85 others, each failed now and then on a busy 2-core machine;
# alone they use about a seventh of one core: they mostly wait on timed loads).
TIMING_SUITES := CapacitySearchTests|CapacityCommandTests|RunCapacityTests|TuneCommandTests|SweepCommandTests|ColdStartCommandTests|DemoShopColdStartTests|OpenModelStallTests|ShardedRunTests|ProfileTests|ServiceUsageMeterTests|PerfProfilerTests|PySpyProfilerTests
# The engine's own suites count what one second at full speed sends (over TLS too: a debug build's handshakes are
# CPU-bound), and would take the cores from the timing suites beside them: they run after those, one test at a time
# (HTTPSTests once sent 8 requests in its second, not more than 10, and a flow 53 of its 60 iterations' last steps,
# at the parallel pass's busiest).
ENGINE_SUITES := LoadEngineTests|HTTPSTests|WindowedThresholdTests|FlowTests

# Every pass runs, whatever the one before it found; the target fails when any pass did.
test: build
	@status=0; \
	echo "every suite but the timing-sensitive and the engine's, in parallel:"; \
	$(SWIFT) test --skip-build --skip "$(TIMING_SUITES)|$(ENGINE_SUITES)" || status=1; \
	echo "the timing-sensitive suites, at most two tests at a time:"; \
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=2 $(SWIFT) test --skip-build --filter "$(TIMING_SUITES)" || status=1; \
	echo "the engine's suites, one test at a time:"; \
	$(SWIFT) test --skip-build --no-parallel --filter "$(ENGINE_SUITES)" || status=1; \
	echo "the engine's tests again on the NIO transport (the passes above ran them on its own epoll transport):"; \
	TUNER_TEST_TRANSPORT=nio $(SWIFT) test --skip-build --no-parallel --filter "LoadEngineTests|OpenModelStallTests" || status=1; \
	exit $$status

demo: release
	.build/release/tuner demo

format:
	$(SWIFT) format --in-place --recursive Sources Tests

clean:
	rm -rf .build tuner-report
