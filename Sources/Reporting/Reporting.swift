// Ranked tables, CSV and SVG output.
