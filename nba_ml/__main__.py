"""Allow ``python -m nba_ml``."""

from nba_ml.cli.main import main

if __name__ == "__main__":
    main()
