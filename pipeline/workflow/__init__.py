"""Run the pipeline: configuration, Snakemake adapters, process lifecycle."""
