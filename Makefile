# Two commands do everything on a fresh machine (see README):
#   make demo   installs into .venv and builds the demo wijkscan offline
#   make test   installs (with test tools and system tools) and runs lint + tests
VENV ?= .venv
PYTHON ?= python3
CORES ?= 2
BIN := $(VENV)/bin

.PHONY: demo test install system-deps lint clean validate

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/.installed

# The wijkscan command (pipeline/workflow/cli.py) is snakemake with profiles/local and short output: the
# project's own lines per gemeente; every step's details are in logs/ and Snakemake's full log
# in .snakemake/log/ (add --verbose to see them on screen).
demo: install
	$(BIN)/wijkscan --cores $(CORES)
	@echo "Klaar: zie reports/GM9999/ (details per stap in logs/)"

# pdftoppm (PDF -> PNG checks) and Chromium (headless report check) come from Debian.
system-deps:
	@if ! command -v pdftoppm >/dev/null || ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils chromium >/dev/null; \
	  else \
	    echo "Installeer poppler-utils en chromium (sudo apt-get install poppler-utils chromium)"; exit 1; \
	  fi; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile pipeline/workflow/rules/
	$(BIN)/snakemake --lint --cores 1

test: install system-deps lint
	$(BIN)/pytest

# Measured validation of the buurt estimate on the real Utrecht KWB (../shared/data/real);
# writes the tables into docs/methode_schatting.md. Part b (online): see that section.
validate: install
	$(BIN)/python benchmarks/validatie_schatting.py

clean:
	rm -rf data/raw/demo data/processed/* reports/* logs .snakemake
