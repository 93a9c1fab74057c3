"""CityTwin: a desktop digital twin of a city.

Importing this package is cheap: heavy libraries (geopandas, rasterio, pyvista, Qt) are imported
inside the functions that need them.
"""

__version__ = "0.1.0"
