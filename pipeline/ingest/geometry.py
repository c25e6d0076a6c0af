"""Buurt geometry: reading the two published GeoPackage layouts and matching codes.

Two layouts are in circulation:

* PDOK *gebiedsindelingen*: layer ``buurt_gegeneraliseerd`` with ``statcode``/``statnaam``.
* CBS *wijk- en buurtkaart*: layer ``buurten`` with ``buurtcode``/``buurtnaam`` (and
  many KWB attributes, with -99997 etc. for suppressed cells).

Buurt codes are reused across years for different areas, so a geometry must be of
the same year as the data; :func:`match_codes` makes a mismatch visible.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from pipeline.errors import WijkscanError
from pipeline.present import fmt

log = logging.getLogger(__name__)

RD_NEW = "EPSG:28992"

#: (layer, code column, name column) in order of preference.
LAYOUTS: tuple[tuple[str, str, str], ...] = (
    ("buurt_gegeneraliseerd", "statcode", "statnaam"),
    ("buurten", "buurtcode", "buurtnaam"),
    ("cbs_buurten", "buurtcode", "buurtnaam"),
)


def _list_layers(path: Path) -> list[str]:
    try:
        return [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise WijkscanError(
            f"De GeoPackage is leeg of beschadigd: {path} ({exc})",
            waar="bronnen.geometrie.pad",
            oplossing="Download het bestand opnieuw (PDOK gebiedsindelingen of CBS wijk- en "
            "buurtkaart) en controleer of het volledig is.",
        ) from exc


def read_buurten(path: Path, gemeente: str | None, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read the buurten of one gemeente (or all) from a GeoPackage in either published layout.

    Parameters
    ----------
    path
        GeoPackage file.
    gemeente
        Gemeente code (``GM0226``); buurten are selected on the code prefix ``BU0226``.
        None reads every buurt (a batch of many gemeenten reads a national file once).
    layer
        Layer name; None to detect it.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code, naam, geometry`` in RD New (EPSG:28992), one row per buurt.

    Raises
    ------
    WijkscanError
        For a missing, empty or corrupt file, an unknown layer or missing columns.
    """
    path = Path(path)
    if not path.is_file():
        raise WijkscanError(
            f"Het geometriebestand bestaat niet: {path}",
            waar="bronnen.geometrie.pad",
            oplossing="Controleer het pad in de configuratie.",
        )
    layers = _list_layers(path)
    candidates = [lay for lay in LAYOUTS if lay[0] in layers]
    if layer is not None:
        if layer not in layers:
            raise WijkscanError(
                f"Laag '{layer}' bestaat niet in {path}.",
                waar="bronnen.geometrie.laag",
                oplossing=f"Kies een van: {', '.join(layers)}.",
            )
        candidates = [lay for lay in LAYOUTS if lay[0] == layer] or [(layer, "", "")]
    if not candidates:
        raise WijkscanError(
            f"Geen buurtlaag gevonden in {path} (lagen: {', '.join(layers) or 'geen'}).",
            waar="bronnen.geometrie",
            oplossing="Verwacht laag 'buurt_gegeneraliseerd' (PDOK gebiedsindelingen) of 'buurten' "
            "(CBS wijk- en buurtkaart); zet anders 'laag' in de configuratie.",
        )
    lay_name, code_col, name_col = candidates[0]
    num = gemeente[2:] if gemeente else ""
    try:
        cols = pyogrio.read_info(path, layer=lay_name)["fields"].tolist()
    except Exception as exc:
        raise WijkscanError(f"Laag {lay_name} in {path} is onleesbaar ({exc}).") from exc
    if not code_col:
        code_col = next((c for c in ("statcode", "buurtcode") if c in cols), "")
        name_col = next((c for c in ("statnaam", "buurtnaam") if c in cols), "")
    if code_col not in cols:
        raise WijkscanError(
            f"Kolom met buurtcodes ontbreekt in laag {lay_name} van {path}.",
            waar=f"kolommen: {', '.join(cols)}",
            oplossing="Verwacht 'statcode' (PDOK) of 'buurtcode' (CBS wijk- en buurtkaart).",
        )
    columns = [code_col] + ([name_col] if name_col in cols else [])
    try:
        gdf = gpd.read_file(
            path,
            layer=lay_name,
            columns=columns,
            where=f"{code_col} LIKE 'BU{num}%'",
            engine="pyogrio",
        )
    except Exception as exc:
        raise WijkscanError(
            f"Laag {lay_name} in {path} kon niet gelezen worden ({exc}).",
            oplossing="Download het bestand opnieuw.",
        ) from exc
    if gdf.crs is None:
        raise WijkscanError(
            f"Geen coördinatenstelsel in {path}.",
            oplossing="Gebruik de originele GeoPackage van PDOK/CBS (RD New, EPSG:28992).",
        )
    gdf = gdf.to_crs(RD_NEW)
    out = gpd.GeoDataFrame(
        {
            "code": gdf[code_col].astype(str).str.strip(),
            "naam": gdf[name_col].astype(str).str.strip() if name_col in gdf else gdf[code_col],
        },
        geometry=gdf.geometry.values,
        crs=RD_NEW,
    )
    # Some layouts split a buurt over several features (islands); merge them.
    if out["code"].duplicated().any():
        out = out.dissolve(by="code", as_index=False, aggfunc="first")
    # isna, not notna: geopandas 1.x warns on notna (its meaning for empty geometries changed).
    out = out[~out.geometry.is_empty & ~out.geometry.isna()]
    return out.sort_values("code").reset_index(drop=True)


def repair(buurten: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Make invalid buurt polygons valid (e.g. a self-intersecting ring), keeping the area.

    A self-intersecting polygon made dissolving into wijken and drawing fail with a bare
    ``GEOSException``. ``make_valid`` splits it into valid parts; only the polygonal parts
    are kept (a bow-tie's crossing point is not a buurt). The repaired buurten are logged
    and returned so the report can say so.

    Parameters
    ----------
    buurten
        GeoDataFrame with ``code`` and (multi)polygons.

    Returns
    -------
    tuple
        The repaired frame (same rows) and the codes of the buurten that were repaired.
    """
    invalid = ~buurten.geometry.is_valid
    if not invalid.any():
        return buurten, []
    out = buurten.copy()
    fixed = shapely.make_valid(out.geometry[invalid].to_numpy())
    polys = [
        shapely.union_all(
            [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
        )
        for g in fixed
    ]
    out.loc[invalid, "geometry"] = gpd.GeoSeries(polys, index=out.index[invalid], crs=out.crs)
    codes = sorted(out.loc[invalid, "code"].astype(str))
    log.warning(
        "Ongeldige buurtgrens hersteld (bijv. een rand die zichzelf snijdt): %s", fmt.eerste(codes)
    )
    return out, codes


def repair_warning(codes: list[str]) -> list[str]:
    """The report's line about repaired buurt boundaries (empty when none were)."""
    if not codes:
        return []
    return [
        f"De grens van {len(codes)} buurt(en) was ongeldig (een rand die zichzelf snijdt) en is "
        f"hersteld: {fmt.eerste(codes)}. Controleer het geometriebestand."
    ]


@dataclass
class CodeMatch:
    """Result of matching buurt codes between data and geometry."""

    only_in_data: list[str] = field(default_factory=list)
    only_in_geometry: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when both sides hold exactly the same buurt codes."""
        return not self.only_in_data and not self.only_in_geometry

    def message(self, jaar: int) -> str:
        """Dutch description of the mismatch for logs and the report."""
        parts = []
        if self.only_in_data:
            parts.append(
                f"{len(self.only_in_data)} buurt(en) in de data zonder grens: "
                + fmt.eerste(self.only_in_data, 20)
            )
        if self.only_in_geometry:
            parts.append(
                f"{len(self.only_in_geometry)} buurt(en) op de kaart zonder data: "
                + fmt.eerste(self.only_in_geometry, 20)
            )
        return "; ".join(parts) + f" (peiljaar {jaar})"


def match_codes(data_codes: pd.Series | list[str], geo_codes: pd.Series | list[str]) -> CodeMatch:
    """Compare buurt codes of the data and of the geometry.

    Parameters
    ----------
    data_codes, geo_codes
        Buurt codes on both sides.

    Returns
    -------
    CodeMatch
        Codes present on only one side (sorted).
    """
    d, g = set(data_codes), set(geo_codes)
    return CodeMatch(sorted(d - g), sorted(g - d))


def check_codes(match: CodeMatch, jaar: int, mode: str, source: str) -> list[str]:
    """Apply the configured policy to a code mismatch.

    Parameters
    ----------
    match
        Result of :func:`match_codes`.
    jaar
        Data year (for the message).
    mode
        ``"fout"`` raises, ``"waarschuwing"`` returns the warnings.
    source
        Geometry source, for the message.

    Returns
    -------
    list of str
        Warnings to carry into logs and the report (empty when codes match).
    """
    if match.ok:
        return []
    msg = match.message(jaar)
    if mode == "fout":
        # Only buurten missing from the data, none extra: a KWB file that lost rows (cut
        # off, filtered) looks like this; another year of boundaries renames codes too.
        kwb_eerst = bool(match.only_in_geometry) and not match.only_in_data
        jaar_fix = "Gebruik buurtgrenzen van hetzelfde jaar als de data (codes worden hergebruikt)"
        if kwb_eerst:
            oorzaak = (
                " De data mist buurten die de kaart wel heeft: waarschijnlijk is het "
                "KWB-bestand onvolledig (afgebroken download of gefilterde export)."
            )
            fix = (
                "Controleer eerst of het KWB-bestand (bronnen.kwb) volledig is en exporteer "
                "het zo nodig opnieuw met alle buurten; " + jaar_fix[0].lower() + jaar_fix[1:]
            )
        else:
            oorzaak, fix = "", jaar_fix
        raise WijkscanError(
            f"Buurtcodes in data en geometrie ({source}) komen niet overeen: {msg}.{oorzaak}",
            waar="bronnen.kwb en bronnen.geometrie" if kwb_eerst else "bronnen.geometrie",
            oplossing=f"{fix}, of zet 'geometrie_controle: waarschuwing' om door te gaan; de "
            "ontbrekende buurten worden dan in het rapport genoemd.",
        )
    log.warning("Buurtcodes wijken af: %s", msg)
    return [msg]


def wijken_from_buurten(buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dissolve buurten into wijken using the code (``WK`` + digits 3-8 of the buurt code).

    Parameters
    ----------
    buurten
        GeoDataFrame with ``code`` and geometry.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code, geometry``.
    """
    tmp = buurten[["code", "geometry"]].copy()
    tmp["wijkcode"] = "WK" + tmp["code"].str[2:8]
    wijken = tmp.dissolve(by="wijkcode", as_index=False)[["wijkcode", "geometry"]]
    return wijken.rename(columns={"wijkcode": "code"})
