# placeplan: two commands do everything on a fresh machine.
#   make demo   build (release) and print the sufficiency table for the demo authority
#   make test   run every test (unit and end-to-end)

SWIFT ?= swift
RELEASE_BIN := .build/release/placeplan

.PHONY: demo test deps build demo-data clean

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build -c release --product placeplan

demo: build
	$(RELEASE_BIN) sufficiency --data data

test: deps
	$(SWIFT) test

# Regenerate the illustrative demo authority in data/ (deterministic).
demo-data:
	python3 scripts/generate_demo_data.py

clean:
	rm -rf .build
