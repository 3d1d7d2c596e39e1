"""`uv run python scripts/train.py` — the same as `uv run konomi train`."""

from konomi.cli.main import run_script

if __name__ == "__main__":
    run_script("train")
