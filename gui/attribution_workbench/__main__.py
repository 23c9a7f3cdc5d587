"""``python -m attribution_workbench`` starts the GUI."""

from attribution_workbench.app import main

if __name__ == "__main__":
    main()
