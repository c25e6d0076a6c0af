"""Run the pipeline: configuration, Snakemake steps, process lifecycle."""
