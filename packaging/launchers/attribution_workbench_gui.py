"""Entry script of the bundle's GUI executable: what the installed ``attribution-workbench`` runs.

PyInstaller needs a script, not a ``module:function`` entry point. ``app.run`` turns on the
bundle's self-checks (``smoke.py``) when AW_SMOKE_TEST or AW_STARTUP_PROBE is set.
"""

from attribution_workbench.app import main

if __name__ == "__main__":
    main()
