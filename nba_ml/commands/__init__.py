"""One plain function per command (check, train/ensure, status, backtest, predict, report,
schedule), each returning a typed result; run recording (runs.py) and the promotion gate."""
