"""``python -m stream_app`` runs the crisiswatch command line."""

from stream_app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
