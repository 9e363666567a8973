"""Service defaults shared by every Một cửa service (the eShop "ServiceDefaults" idea).

Nothing here knows a service's domain: outbox and relay, reliable consumers,
idempotent effects, logging with masking, health checks, settings, provisioning.
"""
