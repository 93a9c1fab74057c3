"""Files and services -> core layers, through one registry."""
