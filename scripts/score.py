"""`uv run python scripts/score.py` — the same as `uv run konomi score`."""

from konomi.cli.main import run_script

if __name__ == "__main__":
    run_script("score")
