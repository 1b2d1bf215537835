"""The command line: Typer app (app.py), the fast path (fast.py), shared handlers and views."""
