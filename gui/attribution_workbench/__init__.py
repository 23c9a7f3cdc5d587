"""Attribution Workbench: compose, preview, send and demo Amplitude attribution events."""

__version__ = "0.1.0"
APP_NAME = "Attribution Workbench"
# The menu bar, left to right: the first frame shows these titles before the menus are built.
MENU_TITLES = ("&File", "&Edit", "&View", "Reque&st", "&Help")
