"""The outputs: the folder writer, GeoJSON, GeoPackage and CSV exports, the index, pictures."""
