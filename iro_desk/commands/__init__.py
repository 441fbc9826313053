"""Sub-commands of ``iro-desk``, one module per group; each has ``register``."""
