"""Attribution Workbench: compose, preview, send and demo Amplitude attribution events."""

__version__ = "0.1.0"
