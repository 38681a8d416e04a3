"""Industry Brain (产业大脑): a regional digital economy platform."""

__version__ = "0.1.0"
