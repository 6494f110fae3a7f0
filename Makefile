# ckanext-datapusherplusapi — the README's commands.  Everything is in bin/dpp.sh;
# settings come from the environment (see `make env`).
.PHONY: help dev test test-matrix test-prepare lint bench stop clean env i18n i18n-check

help:
	@sed -n '2,17p' bin/dpp.sh

dev:           ## demo portal: CKAN + plugin + DataStore + a loader (DPP_BACKEND: xloader or service) + sample data
	bin/dpp.sh dev

test:          ## set up (idempotent) and run the whole test suite, end-to-end tests included
	bin/dpp.sh test $(PYTEST_ARGS)

test-matrix:   ## what CI runs: the whole suite on 2.11.6, then 2.12.0 and 2.10.11 side by side, all but the "once" tests
	bin/dpp.sh test-matrix $(PYTEST_ARGS)

lint:          ## ruff and mypy (configured in bin/lint/), and complete catalogues; run by CI
	bin/dpp.sh lint

test-prepare:  ## set up for tests without running them (then: pytest --ckan-ini=test.ini ...)
	bin/dpp.sh test-prepare

bench:         ## benchmarks (not part of CI, ~30 min): status polls, dashboard at 1k/10k/100k jobs, submit path, xloader loads, JSON/XML loader to 1M records; one summary table; resets the test database
	bin/dpp.sh bench

stop:          ## stop CKAN, worker, DataPusher, file server, Redis and PostgreSQL
	bin/dpp.sh stop

clean:         ## stop, then delete .dev/ (virtualenvs, databases, logs)
	bin/dpp.sh clean

env:
	@bin/dpp.sh env

i18n:          ## extract the .pot, update the fr/ar catalogues, compile them
	.dev/venv-ckan-$${CKAN_VERSION:-2.11.6}/bin/python bin/i18n/build.py

i18n-check:
	.dev/venv-ckan-$${CKAN_VERSION:-2.11.6}/bin/python bin/i18n/build.py --check
