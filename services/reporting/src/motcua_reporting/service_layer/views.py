"""Reporting's queries: read the counters, compute the figures (read side, no transaction)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from motcua_reporting.domain.figures import Figures, district_total


class FiguresReader(Protocol):
    async def commune(self, commune_code: str) -> Mapping | None:
        """The counters document of one commune, or None if no event counted yet."""
        ...

    async def communes(self) -> list[Mapping]:
        """The counters documents of every commune with events, ordered by commune code."""
        ...


@dataclass(frozen=True)
class DistrictFigures:
    communes: list[tuple[str, Figures]]
    total: Figures


async def commune_figures(reader: FiguresReader, commune_code: str) -> Figures:
    """A commune's figures; all zeros for a commune with no event yet."""
    return Figures.from_counters(await reader.commune(commune_code))


async def district_figures(reader: FiguresReader) -> DistrictFigures:
    """Every commune's figures and the district total (sums, with rates from the sums)."""
    rows = [(str(doc["_id"]), Figures.from_counters(doc)) for doc in await reader.communes()]
    return DistrictFigures(communes=rows, total=district_total(f for _, f in rows))


ReaderFactory = Callable[[], FiguresReader]
