# Two commands matter: `make demo` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# Two install levels: the demo needs only the package; the tests add the test extras.
DEMO_STAMP := $(VENV)/.installed-demo
TEST_STAMP := $(VENV)/.installed-test
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo classroom test install system-deps node-deps bench fuzz clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(DEMO_STAMP): pyproject.toml | $(PY)
	@echo "installing the sandbox into $(VENV) (runtime only)"
	$(PY) -m pip install --quiet -e .
	touch $(DEMO_STAMP)

$(TEST_STAMP): pyproject.toml | $(PY)
	@echo "installing the sandbox and its test extras into $(VENV)"
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(TEST_STAMP) $(DEMO_STAMP)

install: $(TEST_STAMP)

## make demo: the mock (and the LHR demo) on localhost, seeded, URLs and test logins printed
demo: $(DEMO_STAMP)
	$(PY) tools/demo.py

## make classroom: the demo on the LAN for a class of phones (control token printed; DEMO_HOST=<address> to choose it)
classroom: $(DEMO_STAMP)
	CLASSROOM=1 $(PY) tools/demo.py

## make test: the whole suite (installs Chromium from Debian and the npm test client first)
test: $(TEST_STAMP) system-deps node-deps
	$(PY) -m pytest

## make check: the fast tier for the edit-test loop, on every core — the architecture rules and the in-process tests (no browser, no server process, no Node, no PostgreSQL, no security fuzzing); `make test` before you push
CHECK_ARGS := -m "not browser and not live and not node" --ignore=tests/postgres --ignore=tests/security -n auto
.PHONY: check
check: $(TEST_STAMP)
	$(PY) -m pytest $(CHECK_ARGS)

system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi -e loma -e garuda -e sarabun; then \
	  echo "installing chromium and Thai fonts (Debian packages)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-thai-tlwg >/dev/null; \
	fi
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "installing postgresql (Debian package; the tests start their own throw-away cluster)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; \
	fi

node-deps:
	@for d in $$(git ls-files 'tests/*package-lock.json' | xargs -rn1 dirname); do \
	  if [ ! -d $$d/node_modules ] || [ $$d/package-lock.json -nt $$d/node_modules ]; then \
	    echo "npm ci in $$d"; npm ci --prefix $$d --no-audit --no-fund --loglevel=error || exit 1; fi; \
	done

## make fuzz: the security fuzzers with a long budget (~10-15 min at 1000 examples a test)
fuzz: $(TEST_STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-1000} $(PY) -m pytest tests/security -q --hypothesis-show-statistics

## make bench: mock_thaid beside its peers (PyPI oidc-provider-mock, npm oidc-provider, a bare-Flask floor), same login driver, ~3 min; BENCH_ARGS="--repeats 3 --seconds 10" for longer
bench: $(TEST_STAMP)
	$(PY) bench/login_bench.py $(BENCH_ARGS)

## make bench-classroom: a simulated class of 60 (phones registering with 3-MB photos, desktops polling QR logins, the trainer console), ~2 min; BENCH_ARGS="--trainees 100 --profile"
.PHONY: bench-classroom
bench-classroom: $(TEST_STAMP)
	$(PY) bench/classroom_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
