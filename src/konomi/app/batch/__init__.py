"""Scoring a dataset outside the workspace: `konomi score --input SOURCE --out FILE.parquet`.

The input is only read. `sources` lists the images, `scoring` holds the one function pair that
both engines run (`decode_batch` on the CPU, `Scorer` for the encoder and the head), `output`
owns the Parquet file (resume, merge, atomic replace), and `local` / `ray_engine` are the two
ways of running them. Ray is imported only by `ray_engine`, and only when it is asked for.
"""
