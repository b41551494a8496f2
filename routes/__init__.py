"""How things move: legs, flows, the map and its outputs."""

__all__: list[str] = []
