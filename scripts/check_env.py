"""`uv run python scripts/check_env.py` — the same as `uv run konomi check-env`."""

from konomi.cli.main import run_script

if __name__ == "__main__":
    run_script("check-env")
