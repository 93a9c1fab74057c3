"""Start-up: the command line, settings, logging and the QApplication."""
