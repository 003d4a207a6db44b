"""Allow `python -m onewindow` as an alias of the `onewindow` console script."""

from onewindow.cli import main

if __name__ == "__main__":
    main()
