# IRO Desk: `make run` sets everything up and opens the app; `make test` runs the whole suite.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Debian packages Qt needs offscreen and in a real window, plus PDF tools for the letters.
SYSDEPS := libgl1 libegl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3 \
	libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 \
	libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0 \
	xvfb xauth poppler-utils fonts-dejavu-core

.PHONY: run test lint sysdeps venv bundle benchmark validator-903 clean

run: sysdeps venv
	$(BIN)/iro-desk

test: sysdeps venv lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check iro_desk tests benchmarks tools

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

sysdeps:
	@missing=""; \
	if command -v dpkg >/dev/null 2>&1; then \
		for p in $(SYSDEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	fi; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing system packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else \
			echo "Missing system packages (run as root or install them):$$missing"; exit 1; \
		fi; \
	fi

bundle: sysdeps venv
	$(BIN)/pyinstaller --noconfirm --clean build.spec
	@echo "Bundle: dist/iro-desk/ (run dist/iro-desk/iro-desk)"

# The DfE's SSDA903 validator needs pandas<2, so it has its own environment (.venv-903); the
# tests make it on first use, this makes it ahead of time.
validator-903: venv
	$(BIN)/python tools/validate_903.py --ensure-venv

benchmark: sysdeps venv
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .venv-903 build dist .pytest_cache
