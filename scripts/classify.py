"""`uv run python scripts/classify.py` — the same as `uv run konomi classify`."""

from konomi.cli.main import run_script

if __name__ == "__main__":
    run_script("classify")
