// Pipeline: what happens to samples between ingest and the stores (relabeling).
