"""The demo data set: a year of the Pizza Lenina chain, loaded through the ingest service.

Pure generation, from one seed: ``catalog`` (menu, stores, campaigns), ``names`` and
``contacts`` (how each system writes a name, a phone, an email), ``people`` (who the customers
are), ``behaviour`` (each one's year, built from ``visits``, ``purchases`` and ``accounts``).
The I/O is ``loader`` (sources and batched writes) and ``keys`` (the demo's saved API keys).
"""
