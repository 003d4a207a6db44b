"""The `onewindow` console script: CONTRACT.md's commands, mapped onto Django management commands.

`onewindow load-sample` runs the `load_sample` command, `onewindow user add …` the `user` command
with its `add` sub-command, and so on; any other Django command (`shell`, `check`) works as well.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "onewindow"
    from django.core.management import execute_from_command_line

    from onewindow.config import ConfigError

    try:
        execute_from_command_line(args)
    except ConfigError as exc:  # raised while the settings load: a message, not a traceback
        sys.stderr.write(f"onewindow: configuration error: {exc}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
