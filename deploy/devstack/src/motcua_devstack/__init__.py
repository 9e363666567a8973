"""Local development stack for the Một cửa system.

``python -m motcua_devstack up`` (or ``motcua-up``) starts real NATS JetStream and MongoDB
servers from PyPI wheels, provisions the streams, runs the four services and loads demo data.
"""

__version__ = "1.0.0"
