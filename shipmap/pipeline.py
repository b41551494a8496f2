"""The pipeline: a data set in, its maps and exports written.

places → legs → flows → map → outputs: :func:`build` runs each stage in turn
(:func:`shipmap.dataset.load_dataset`, :func:`shipmap.geo.locate_places`,
:func:`shipmap.routes.legs.build_legs`, :func:`shipmap.routes.flows.join_flows`,
:func:`shipmap.map.render.render_map`) and hands the files to
:func:`shipmap.outputs.write.write_outputs`, the one writer of the output folder.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from shipmap.cache import cache_dir

if TYPE_CHECKING:
    from shipmap.dataset import Dataset
    from shipmap.map.content import MapContent

__all__ = ["Progress", "build", "map_content"]

T = TypeVar("T")


class Progress:
    """Stage-by-stage progress on a terminal; silent when stderr is not one."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.perf_counter()
        self._text, self._t0, self._shown = "", self.started, self.started

    def step(self, text: str, action: Callable[[], T]) -> T:
        """Run one stage, showing its name and, when done, its time."""
        if not self.enabled:
            return action()
        sys.stderr.write(f"\r\x1b[K  {text}…")
        sys.stderr.flush()
        t0 = time.perf_counter()
        self._text, self._t0, self._shown = text, t0, t0
        try:
            result = action()
        except BaseException:
            sys.stderr.write("\n")  # what follows (an error) starts on a line of its own
            sys.stderr.flush()
            raise
        sys.stderr.write(f"\r\x1b[K  {text} ({time.perf_counter() - t0:.1f} s)\n")
        sys.stderr.flush()
        return result

    def note(self, text: str) -> None:
        """Say what a long stage is doing now (e.g. preparing a network, the first time)."""
        if self.enabled:
            sys.stderr.write(f"\r\x1b[K  {text}…")
            sys.stderr.flush()

    def rows(self, done: int) -> None:
        """Show how many rows the running stage has done, and how fast (5 times a second)."""
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._shown < 0.2 and self._shown != self._t0:  # the first report shows
            return
        self._shown = now
        rate = done / max(now - self._t0, 1e-9)
        sys.stderr.write(f"\r\x1b[K  {self._text}… {done:,} rows, {rate:,.0f} rows/s")
        sys.stderr.flush()


def build(
    dataset: Path,
    output: Path,
    *,
    progress: Progress | None = None,
    basemap: str | None = None,
    pictures: bool = False,
    events: bool = False,
    scheduler: str | None = None,
    force: bool = False,
) -> list[str]:
    """Run the whole pipeline on a data set and write its outputs.

    ``basemap`` overrides map.toml's (a tile provider name or ``"offline"``);
    ``pictures`` adds a PNG of each map, drawn by headless Chromium; ``events``
    adds every shipment row as ``events.parquet``; ``scheduler`` (a Dask
    scheduler's address) checks and reduces Parquet shipments on that cluster;
    ``force`` writes into an output folder that also holds files shipmap did not
    write (they are kept). Returns the names of the files written into ``output``.
    """
    import dataclasses

    from shipmap.dataset import dataset_paths, load_dataset
    from shipmap.map.tiles import tile_provider
    from shipmap.outputs.write import check_output_folder

    # A folder the write would refuse is refused now, before the work.
    check_output_folder(output, force=force, protect=dataset_paths(dataset))
    progress = progress or Progress(enabled=False)
    ds = progress.step(
        f"Reading {dataset}",
        lambda: load_dataset(
            dataset, scheduler=scheduler, progress=progress.rows, meanwhile=_import_stages
        ),
    )
    if basemap is not None:
        ds = dataclasses.replace(ds, config=dataclasses.replace(ds.config, basemap=basemap))
    tile_provider(ds.config.basemap)  # an unknown name fails before any work

    content = map_content(ds, progress=progress)
    return _finish(
        ds, content, output, progress=progress, pictures=pictures, events=events, force=force
    )


#: The modules of the stages after reading, which import folium, GeoPandas and
#: GDAL's bindings: about half a second of imports.
_STAGE_MODULES = (
    "shipmap.geo.places",
    "shipmap.routes.legs",
    "shipmap.routes.flows",
    "shipmap.map.content",
    "shipmap.map.gaps",
    "shipmap.map.render",
    "shipmap.map.page",
    "shipmap.outputs.write",
    "shipmap.outputs.exports",
)


def _import_stages() -> None:
    """Import the later stages' modules now: done while pyarrow parses the shipments.

    Imports hold the GIL and pyarrow's parse does not, so on two cores or more
    the two overlap instead of following one another. Only imports: importing
    is all they would do later too.

    The modules' objects (about a million: classes, functions, compiled
    templates) live as long as the process, so the cycle collector is kept off
    while they are made and they are then moved out of its sight
    (:func:`gc.freeze`); otherwise each of its full passes walks them all again
    (0.1 s of CPU in a build of 10^6 rows).
    """
    import gc
    import importlib

    collecting = gc.isenabled()
    gc.disable()
    try:
        for name in _STAGE_MODULES:
            importlib.import_module(name)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def map_content(ds: Dataset, *, progress: Progress | None = None) -> MapContent:
    """Run places → legs → flows on a loaded data set: what its maps show, in every language."""
    from shipmap.geo.places import locate_places
    from shipmap.map.content import MapContent
    from shipmap.map.gaps import read_gaps
    from shipmap.routes.flows import join_flows
    from shipmap.routes.legs import build_legs

    progress = progress or Progress(enabled=False)
    places = progress.step(
        "Placing places",
        lambda: locate_places(ds.places, cache_dir=cache_dir("gazetteer")),
    )
    legs = progress.step(
        "Drawing legs",
        lambda: build_legs(ds.legs, places, cache_dir=cache_dir("routes"), progress=progress.note),
    )
    flows = progress.step("Joining figures", lambda: join_flows(legs, ds.figures))
    return MapContent(
        places=places,
        flows=flows,
        sources=ds.sources,
        config=ds.config,
        gaps=read_gaps(ds.root),
    )


def _finish(
    ds: Dataset,
    content: MapContent,
    output: Path,
    *,
    progress: Progress,
    pictures: bool,
    events: bool = False,
    force: bool = False,
) -> list[str]:
    """Render the maps, index and exports of a joined data set and write them."""
    from shipmap.dataset import dataset_paths
    from shipmap.map.frame import frame_longitudes
    from shipmap.map.i18n import language
    from shipmap.map.page import map_html
    from shipmap.map.render import render_map, share_work
    from shipmap.outputs.write import (
        GEOJSON_NAME,
        MapPage,
        geojson_document,
        geojson_text,
        index_html,
        map_filename,
        write_outputs,
    )

    places, flows = content.places, content.flows
    shown = frame_longitudes(content)  # the map's longitudes in one unbroken stretch
    shared = share_work(shown)  # what every language's map shares, worked out once
    files: dict[str, str | bytes] = {}
    pages = []
    for lang in ds.config.languages:
        lang_ = language(lang)
        title = ds.config.text("title", lang)

        def render(lang: str = lang, title: str = title) -> str:
            return map_html(
                render_map(shown, lang=lang, shared=shared), lang=language(lang), title=title
            )

        name = map_filename(lang)
        files[name] = progress.step(f"Rendering {name}", render)
        pages.append(
            MapPage(
                lang=lang,
                filename=name,
                title=title,
                language_name=lang_.t("language_name"),
                dir=lang_.dir,
            )
        )
    files["index.html"] = index_html(pages, title=ds.config.text("title", ds.config.languages[0]))
    files[GEOJSON_NAME] = geojson_text(geojson_document(places, flows.legs))

    from shipmap.outputs.exports import (
        EVENTS_NAME,
        FLOWS_CSV_NAME,
        GEOPACKAGE_NAME,
        events_parquet,
        flows_csv,
        geopackage_bytes,
    )

    files[FLOWS_CSV_NAME] = flows_csv(flows.legs, flows.headlines)
    files[GEOPACKAGE_NAME] = progress.step(
        f"Writing {GEOPACKAGE_NAME}",
        lambda: geopackage_bytes(places, flows.legs, flows.months),
    )
    if events:
        files[EVENTS_NAME] = progress.step(
            f"Writing {EVENTS_NAME}", lambda: events_parquet(ds.shipments)
        )
    if pictures:
        files.update(progress.step("Drawing pictures", lambda: _pictures(files)))
    protect = dataset_paths(ds.root)
    progress.step(
        f"Writing {output}",
        lambda: write_outputs(output, files, force=force, protect=protect),
    )
    return sorted(files)


def _pictures(files: dict[str, str | bytes]) -> dict[str, bytes]:
    """PNGs of the maps among a build's files, drawn from a scratch copy."""
    import tempfile

    from shipmap.outputs.snapshot import snapshot_maps

    with tempfile.TemporaryDirectory(prefix="shipmap-pictures-") as tmp:
        maps = []
        for name, content in sorted(files.items()):
            if name.startswith("map-") and name.endswith(".html"):
                path = Path(tmp) / name
                path.write_text(str(content), "utf-8")
                maps.append(path)
        return snapshot_maps(maps)
