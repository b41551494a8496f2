"""The map: style, labels, popups, panels, basemap, strings and the page around them."""
