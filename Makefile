# The README's two commands: `make demo` (the whole tuning loop on the embedded default)
# and `make test` (every test, against a real PostgreSQL). Both install what is missing.

SWIFT ?= swift
APT_PACKAGES := postgresql-15 postgresql-contrib postgresql-15-hypopg pgbouncer zlib1g-dev openssl
# What only the tests need: a real Prometheus server scrapes `tuner load --metrics-listen`.
TEST_APT_PACKAGES := prometheus
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

# What only the tests need from PyPI: kubernetes-validate checks `tuner k8s manifest`'s YAML.
TEST_PIP_PACKAGES := kubernetes-validate

build:
	$(MAKE) deps EXTRA_APT_PACKAGES="$(TEST_APT_PACKAGES)"
	@[ -x .build/venv/bin/kubernetes-validate ] || { python3 -m venv .build/venv && .build/venv/bin/pip install -q $(TEST_PIP_PACKAGES); }
	$(SWIFT) build --build-tests

release: deps
	$(SWIFT) build -c release --product tuner
	$(SWIFT) build -c release --product demo-shop

test: build
	$(SWIFT) test --skip-build
	@echo "the engine's tests again on the NIO transport (the first pass ran them on its own epoll transport):"
	TUNER_TEST_TRANSPORT=nio $(SWIFT) test --skip-build --filter "LoadEngineTests|OpenModelStallTests"

demo: release
	.build/release/tuner demo

format:
	$(SWIFT) format --in-place --recursive Sources Tests

clean:
	rm -rf .build tuner-report
