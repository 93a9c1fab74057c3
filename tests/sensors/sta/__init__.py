"""SensorThings API tests (a package, so that its conftest does not take the module name
``conftest`` that tests/sensors/*.py import their fixtures from)."""
