"""Places and distances, offline: `places` resolves what a person types, `gazetteer` reads the
bundled tables, `distance` measures, `regions` knows place names, `map_geometry` projects the
offline map."""
