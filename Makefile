# placeplan: two commands do everything on a fresh machine.
#   make demo   build (release) and print the sufficiency table for the demo authority
#   make test   run every test (unit and end-to-end)

SWIFT ?= swift
RELEASE_BIN := .build/release/placeplan

# The London backtest gate: thresholds just above the errors the default method achieves
# (median absolute % error of LA phase totals, see README, Accuracy), so that a change that
# loses accuracy fails CI. Skipped when ../shared/data is absent (a user's own clone).
LONDON := ../shared/data/london
ACCURACY_GATES := primary:h1=0.75,primary:h2=1.65,primary:h3=2.05,primary:h4=3.2,primary:h5=4.6,secondary:h1=0.70,secondary:h2=1.40,secondary:h3=1.85,secondary:h4=2.75,secondary:h5=3.3
# And on the prediction intervals (1,000 draws): at every horizon, each phase and both phases
# pooled ('all:') must meet the calibration target itself (80% intervals cover 75-85% of
# actuals, 95% ones 92-97%; README, Uncertainty), so that bands that collapse or balloon fail
# CI. The coverages do not depend on the seed (stratified draws); three phase cells are one
# actual inside their edge, so a change that moves the intervals at all is checked here.
COVERAGE_GATES := 80=75-85,95=92-97,all:80=75-85,all:95=92-97

.PHONY: demo test deps build demo-data clean accuracy bench

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build -c release --product placeplan

demo: build
	$(RELEASE_BIN) sufficiency --data data

test: deps
	$(SWIFT) test
	$(MAKE) --no-print-directory accuracy

accuracy: deps
	@if [ -d "$(LONDON)" ]; then \
	  $(SWIFT) build --product placeplan && \
	  mkdir -p .build/reports && \
	  .build/debug/placeplan backtest --data $(LONDON) --max-error $(ACCURACY_GATES) --coverage $(COVERAGE_GATES) \
	    --junit .build/reports/accuracy-junit.xml --format markdown --output .build/reports/accuracy.md && \
	  echo "accuracy gate passed: London backtest within $(ACCURACY_GATES); interval coverage within $(COVERAGE_GATES)"; \
	else \
	  echo "accuracy gate skipped: $(LONDON) is not here (it sits beside the project in CI)"; \
	fi

# The speed of the draws (release build): demo authority, 15 years, 10,000 draws.
bench: deps
	$(SWIFT) build -c release --product placeplan-bench
	.build/release/placeplan-bench 10000 15 data

# Regenerate the illustrative demo authority in data/ (deterministic).
demo-data:
	python3 scripts/generate_demo_data.py

clean:
	rm -rf .build
