"""Entry script of the bundle's ``attribution-cli``: what the installed console script does."""

import sys

from attribution_workbench.cli import main

if __name__ == "__main__":
    sys.exit(main())
