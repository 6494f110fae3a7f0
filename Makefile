# ckanext-datapusherplusapi — the README's commands. Everything is in bin/dpp.sh;
# settings come from the environment (see `make env`). `make help` lists the targets.
.PHONY: help deps dev test test-fast test-matrix test-prepare lint docs bench stop clean env \
	i18n i18n-check

help:          ## this list
	@grep -E '^[a-z0-9-]+: *##' $(MAKEFILE_LIST) | sed -E 's/^([a-z0-9-]+): *## */  make \1\t/' | expand -t 22

deps:          ## install what the other targets need: Debian packages (apt-get), virtualenvs, axe-core
	bin/dpp.sh install

dev:           ## demo portal: CKAN + plugin + DataStore + a loader (DPP_BACKEND: xloader or service) + sample data
	bin/dpp.sh dev

test:          ## set up (idempotent) and run the whole test suite, end-to-end tests included
	bin/dpp.sh test $(PYTEST_ARGS)

test-fast:     ## the quick loop: no browser, no real loader or service, no soak or load run
	bin/dpp.sh test-fast $(PYTEST_ARGS)

test-matrix:   ## what CI runs: the suite on every tested CKAN version (see tests/README.md)
	bin/dpp.sh test-matrix $(PYTEST_ARGS)

test-prepare:  ## set up for tests without running them (then: pytest --ckan-ini=test.ini ...)
	bin/dpp.sh test-prepare

lint:          ## ruff, mypy, import layers, translations, docs/configuration.md, references (CI runs it)
	bin/dpp.sh lint

docs:          ## write docs/configuration.md's options from config_declaration.yaml
	bin/dpp.sh docs

bench:         ## every benchmark at full size (~18 min; DPP_BENCH_SIZE=tiny: about a minute); resets the test database
	bin/dpp.sh bench

stop:          ## stop CKAN, worker, DataPusher, file server, Redis and PostgreSQL
	bin/dpp.sh stop

clean:         ## stop, then delete .dev/ (virtualenvs, databases, logs)
	bin/dpp.sh clean

env:           ## the settings (environment variables) the other targets use
	@bin/dpp.sh env

i18n:          ## extract the .pot, update the fr/ar catalogues, compile them
	bin/dpp.sh i18n

i18n-check:    ## fail on a message the catalogues lack, untranslated or obsolete (part of lint)
	bin/dpp.sh i18n-check
