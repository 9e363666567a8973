# The two commands a newcomer needs:
#   make up    — run the whole system locally (embedded NATS + MongoDB, the services, demo data)
#   make test  — run the whole test suite against real servers
.PHONY: up test env schemas asyncapi bench

env:
	@./scripts/bootstrap.sh

up: env
	.venv/bin/python -m motcua_devstack up

test: env
	.venv/bin/python -m pytest

schemas: env
	.venv/bin/motcua-export-schemas

asyncapi: env
	.venv/bin/python -m motcua_devstack.asyncapi

bench: env
	.venv/bin/python bench/run.py
