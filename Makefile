# The two commands a newcomer runs (README): `make dashboard` and `make test`.
# Both build the environment in .venv when it is missing or pyproject.toml changed.
SHELL := /bin/bash
VENV ?= .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA ?= sample_data
PORT ?= 8866
# kernels started ahead for each dashboard: the first viewer's page is ready in about half the time
PREHEAT ?= 1
SUDO := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null && echo sudo)

.PHONY: dashboard test test-fast lab bench env browser clean

$(STAMP): pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

env: $(STAMP)

# Debian's chromium for the browser tests (Playwright cannot download its own here), and CJK fonts
# so that Chinese labels render in the screenshots; WenQuanYi Micro Hei (TrueType) for the PDF reports,
# which Chromium embeds as a font (Noto CJK, OpenType/CFF, only as slow Type 3 pictures).
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "CJK" || ! fc-list 2>/dev/null | grep -qi "WenQuanYi"; then \
	  echo "installing Debian's chromium and CJK fonts for the browser tests ..."; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk fonts-wqy-microhei >/dev/null \
	  || { echo "ERROR: could not install chromium; the browser tests cannot run" >&2; exit 1; }; \
	fi

dashboard: $(STAMP)
	$(VENV)/bin/workbench serve --data $(DATA) --port $(PORT) --preheat $(PREHEAT)

test: $(STAMP) browser
	$(PYTHON) -m pytest

# The inner loop: no browser, no slow scale-out or server tests, no notebooks.
test-fast: $(STAMP)
	$(PYTHON) -m pytest -m "not browser and not slow" tests workbench

lab: $(STAMP)
	$(VENV)/bin/workbench lab --data $(DATA)

bench: $(STAMP)
	$(PYTHON) benchmarks/run_all.py

clean:
	rm -rf $(VENV) test-output benchmarks/output .pytest_cache .hypothesis
