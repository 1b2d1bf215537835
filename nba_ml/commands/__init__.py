"""One plain function per command (check, train/ensure, status, backtest, predict, report,
schedule), each returning a typed result; run recording (recording.py) and the promotion gate."""
