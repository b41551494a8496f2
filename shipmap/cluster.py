"""Check and reduce Parquet shipments on a Dask cluster.

The unit of work is the same as on one machine: one row group, read, checked and
reduced by :func:`shipmap.shipments.check_part` on a worker, which needs
shipmap installed and the files at the same paths (storage the workers share).
The parts come back to this process and are folded in their order by the same
:class:`shipmap.shipments.Reduction`, so a build gives the same bytes on a
cluster as on one machine. Only the reductions travel: a few thousand rows per
row group, and one 8-byte hash per id.
"""

from __future__ import annotations

from collections.abc import Callable

from shipmap.errors import ShipmapError
from shipmap.shipments import PartSpec, Reduction, Rules, check_part

__all__ = ["reduce_on_cluster"]

#: Row groups handed out at once per worker thread: enough to keep them busy,
#: few enough that the parts waiting to be folded stay small.
_IN_FLIGHT_PER_THREAD = 2


def reduce_on_cluster(
    parts: list[PartSpec],
    rules: Rules,
    address: str,
    *,
    progress: Callable[[int], None] | None = None,
) -> Reduction:
    """Check and reduce every part on the Dask cluster at ``address``, folding in order."""
    try:
        from distributed import Client
    except ImportError as e:
        raise ShipmapError(
            "--scheduler needs Dask's distributed scheduler: pip install 'shipmap[cluster]'"
        ) from e
    try:
        client = Client(  # type: ignore[no-untyped-call]
            address, timeout="10s", set_as_default=False
        )
    except OSError as e:
        raise ShipmapError(f"cannot reach the Dask scheduler at {address} ({e})") from e
    reduction = Reduction()
    try:
        threads = sum(client.nthreads().values()) or 1  # type: ignore[no-untyped-call]
        window = threads * _IN_FLIGHT_PER_THREAD
        futures = [
            client.submit(check_part, spec, rules, key=_key(spec), pure=False)
            for spec in parts[:window]
        ]
        ahead = len(futures)
        done = 0
        while done < len(parts):
            part = futures[done].result()
            futures[done] = None  # type: ignore[call-overload]
            reduction.add(part)
            done += 1
            if ahead < len(parts):
                spec = parts[ahead]
                futures.append(client.submit(check_part, spec, rules, key=_key(spec), pure=False))
                ahead += 1
            if progress is not None:
                progress(reduction.rows)
    finally:
        client.close()  # type: ignore[no-untyped-call]
    return reduction


def _key(spec: PartSpec) -> str:
    return f"shipmap-part-{spec.label}-{spec.row_group}-{spec.first_row}"
