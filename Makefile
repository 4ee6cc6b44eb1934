# Osprey — set-up, run, test. `make run` and `make test` install what is missing.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libzstd-dev zlib1g-dev prometheus prometheus-node-exporter prometheus-alertmanager
FUZZ_SECONDS ?= 60
DATA ?= ./data

.PHONY: deps build run test unit-test e2e-test fuzz bench clean-data conformance

# System packages: zstd for block compression; the real Prometheus, node_exporter and Alertmanager
# that the tests and benchmarks run side by side with Osprey. PyPI: cramjam, the reference snappy
# the codec tests cross-check against; prometheus_client, a real exposition the parser and scrape tests
# read; the OpenTelemetry SDK and OTLP exporters the OTLP tests drive.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@python3 -c "import cramjam" 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore cramjam
	@python3 -c "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http, opentelemetry.exporter.otlp.proto.grpc" 2>/dev/null || \
		python3 -m pip install --quiet --root-user-action=ignore opentelemetry-sdk opentelemetry-exporter-otlp-proto-http opentelemetry-exporter-otlp-proto-grpc
	@python3 -c "import prometheus_client" 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore prometheus_client
	@python3 -c "import aiosmtpd" 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore aiosmtpd

build: deps
	$(SWIFT) build --product osprey

run: deps
	$(SWIFT) build -c release --product osprey
	.build/release/osprey serve --data $(DATA)

test: deps
	$(SWIFT) build --product osprey
	$(SWIFT) build --build-tests
	set -o pipefail; $(SWIFT) test --skip-build 2>&1 | tee .build/test-output.log
	scripts/fuzz-remote-write.sh $(FUZZ_SECONDS)
	scripts/fuzz-otlp.sh $(FUZZ_SECONDS)
	scripts/fuzz-exposition.sh $(FUZZ_SECONDS)
	scripts/fuzz-promql.sh $(FUZZ_SECONDS)
	scripts/fuzz-gotemplate.sh $(FUZZ_SECONDS)
	@scripts/test-summary.sh .build/test-output.log

unit-test: deps
	$(SWIFT) test --skip EndToEndTests

e2e-test: deps
	$(SWIFT) build --product osprey
	$(SWIFT) test --filter EndToEndTests

fuzz: deps
	scripts/fuzz-remote-write.sh $(FUZZ_SECONDS)
	scripts/fuzz-otlp.sh $(FUZZ_SECONDS)
	scripts/fuzz-exposition.sh $(FUZZ_SECONDS)
	scripts/fuzz-promql.sh $(FUZZ_SECONDS)
	scripts/fuzz-gotemplate.sh $(FUZZ_SECONDS)

# PromQL conformance files through `osprey promql-test` (PROMQL_TESTS=path/*.test to run others).
PROMQL_TESTS ?= Tests/PromQLTests/testdata/*.test
conformance: deps
	$(SWIFT) build --product osprey
	.build/debug/osprey promql-test $(PROMQL_TESTS)

BENCH_FLAGS ?=
bench: deps
	$(SWIFT) build -c release --product osprey
	$(SWIFT) build -c release --product osprey-bench
	.build/release/osprey-bench $(BENCH_FLAGS)
