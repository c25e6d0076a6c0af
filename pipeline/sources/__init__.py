"""Parsers for the non-KWB inputs: CBS 03759ned and 85171NED, RIVM Gezondheid per wijk en
buurt (50120NED/50150NED), Primos forecasts, BRP extracts and the dementia prevalence table.

Every population parser returns the same tidy ``bevolking`` table (see
:data:`pipeline.sources.cbs_tables.TIDY_COLUMNS`); the layouts it reads are described in
``docs/invoerformaten.md``.
"""
