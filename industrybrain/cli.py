"""The `industrybrain` console script: Django's management commands under one name.

`--data-dir DIR` may be given to any command; it is applied before settings load, since the data directory
decides where the databases live.
"""

from __future__ import annotations

import os
import sys


def _take_data_dir(argv: list[str]) -> list[str]:
    """Remove --data-dir from argv and export it as INDUSTRYBRAIN_DATA_DIR."""
    rest: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--data-dir":
            value = next(args, None)
            if value is None:
                sys.exit("industrybrain: --data-dir needs a directory")
            os.environ["INDUSTRYBRAIN_DATA_DIR"] = value
        elif arg.startswith("--data-dir="):
            os.environ["INDUSTRYBRAIN_DATA_DIR"] = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    return rest


def main(argv: list[str] | None = None) -> None:
    args = _take_data_dir(list(sys.argv if argv is None else argv))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "industrybrain.settings")
    from django.core.management import execute_from_command_line

    args[0] = "industrybrain"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
