"""Model -> VTK/pyvista scene adapters (no Qt)."""
