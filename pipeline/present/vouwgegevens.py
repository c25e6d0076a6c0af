"""What the vouwkaarten show, prepared once from the data: the config with its defaults,
the years and indicators with values, the source line, the FICTIEF text and the
explanation of the soort markers.

Split off from :mod:`pipeline.present.vouwkaart` (which re-exports the public names).
Nothing here is specific to one gemeente: names, years and indicators come from the
indicator table, the registry and ``bronnen.json`` (``meta``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.model.registry import Indicator
from pipeline.present import fmt, kaartgegevens, kaartklassen, kaartlegenda, klassen, texts
from pipeline.workflow.config_schema import schema_default

__all__ = ["DEFAULT_CFG", "main_indicators", "source_line"]

#: Defaults of the vouwkaart config section: the schema's (config/schema.yaml), the one
#: place they are written.
DEFAULT_CFG: dict[str, Any] = {
    key: schema_default("vouwkaart", key)
    for key in (
        "formaten",
        "hoofdindicator",
        "klassen",
        "classificatie",
        "afloopmarge",
        "vragen",
        "vragen_volgende_ronde",
    )
}
# What the soort markers on the maps mean, shown next to the sources (only the markers
# that occur: kaartlegenda.soort_marker; a map of CBS's own counts carries none).
_SOORT_UITLEG = {
    "geschat": "geschat = door wijkscan berekend uit CBS-cijfers en landelijke verhoudingen",
    "gemodelleerd": "gemodelleerd = modelschatting van het RIVM (Gezondheidsmonitor)",
}
_MAANDEN = [
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
]  # fmt: skip


def _datum_nl(iso: str | None) -> str:
    """``'2026-11-25'`` -> ``'25 november 2026'`` (today when missing)."""
    try:
        d = dt.date.fromisoformat(str(iso)[:10]) if iso else dt.date.today()
    except ValueError:
        d = dt.date.today()
    return f"{d.day} {_MAANDEN[d.month - 1]} {d.year}"


def _cfg(cfg: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(DEFAULT_CFG)
    out.update({k: v for k, v in (cfg or {}).items() if v is not None})
    return out


def _buurt_rows(indicatoren: pd.DataFrame) -> pd.DataFrame:
    return indicatoren[indicatoren["niveau"] == "buurt"]


def _base_year(indicatoren: pd.DataFrame) -> int:
    b = _buurt_rows(indicatoren)
    basis = b.loc[b["schatting"] == "basisjaar", "jaar"]
    return int(basis.min() if len(basis) else b["jaar"].min())


def _has_values(indicatoren: pd.DataFrame, key: str, jaar: int) -> bool:
    b = _buurt_rows(indicatoren)
    return key in b.columns and bool(b.loc[b["jaar"] == jaar, key].notna().any())


def _last_year(indicatoren: pd.DataFrame, key: str) -> int | None:
    """Last (horizon) year with values for ``key``, or None when only the base year has them."""
    b = _buurt_rows(indicatoren)
    years = sorted(b.loc[b[key].notna(), "jaar"].unique()) if key in b.columns else []
    base = _base_year(indicatoren)
    later = [int(y) for y in years if int(y) > base]
    return later[-1] if later else None


def main_indicators(indicatoren: pd.DataFrame, registry: dict[str, Indicator]) -> list[str]:
    """Registry keys (registry order) that have at least one buurt value in the base year.

    These are the pages of the A4 product.
    """
    base = _base_year(indicatoren)
    return [k for k in registry if _has_values(indicatoren, k, base)]


def source_line(meta: dict[str, Any]) -> str:
    """One source line from ``bronnen.json``: tables with ids and years, then the licence.

    Parameters
    ----------
    meta
        Provenance dict (``bronnen``: list of ``{onderwerp, uitgever, tabel, jaar, licentie}``).

    Returns
    -------
    str
        E.g. ``'Bronnen: CBS Kerncijfers wijken en buurten 85984NED (2024); ... Licentie: CC BY
        4.0 CBS/Kadaster/RIVM.'``
    """
    parts = []
    holders: list[str] = []
    licences: list[str] = []
    for b in meta.get("bronnen", []) or []:
        onderwerp, tabel = str(b.get("onderwerp", "")), str(b.get("tabel", ""))
        # Some sources have no table id (the tabel repeats the subject): print it once.
        tabel = "" if tabel.lower() in onderwerp.lower() else tabel
        parts.append(" ".join(v for v in (str(b.get("uitgever", "")), onderwerp, tabel) if v)
                     + (f" ({b['jaar']})" if b.get("jaar") else ""))  # fmt: skip
        if not b.get("licentie"):
            continue  # fictitious demo numbers: no licence, no rights holder
        for h in str(b.get("uitgever", "")).split("(")[0].split("/"):
            h = h.strip()
            if h and h not in holders:
                holders.append(h)
        if b["licentie"] not in licences:
            licences.append(str(b["licentie"]))
    if not parts:  # no provenance at all: the open sources the pipeline reads by default
        return "Bronnen: CBS, Kadaster, RIVM. Licentie: CC BY 4.0 CBS/Kadaster/RIVM."
    if not licences:  # only demo numbers: nobody to credit, no licence to claim
        return f"Bronnen: {'; '.join(parts)}. Fictieve gegevens, zonder bronlicentie."
    return f"Bronnen: {'; '.join(parts)}. Licentie: {' / '.join(licences)} {'/'.join(holders)}."


def _soort_uitleg(inds: Sequence[Indicator], meta: dict[str, Any] | None = None) -> str:
    """The key to the soort markers that the maps of ``inds`` carry ('' when none)."""
    fictief_leeftijd = "bevolking" in ((meta or {}).get("fictief_onderdelen") or [])
    seen = []
    for i in inds:
        marker = kaartlegenda.soort_marker(i)
        tekst = _SOORT_UITLEG.get(marker)
        if marker == "geschat" and fictief_leeftijd:
            # Resting on the demo age profile, these are not "computed from CBS figures".
            tekst = "geschat = door wijkscan berekend uit CBS-buurtcijfers en een fictieve leeftijdsopbouw (demo)"
        if tekst and tekst not in seen:
            seen.append(tekst)
    return "; ".join(seen) + ("." if seen else "")


@dataclass
class _Data:
    """Everything a sheet needs, prepared once."""

    buurten: Any
    wijken: Any
    wijknamen: Any
    indicatoren: pd.DataFrame
    registry: dict[str, Indicator]
    meta: dict[str, Any]
    cfg: dict[str, Any]
    gemeente: str
    jaar: int
    fictief: bool
    gebouwd: str
    #: Validated session input (second edition), or None (first edition).
    sessies: dict[str, Any] | None = None

    @property
    def editie(self) -> str:
        """``'Tweede editie, na de sessie van …'``; ``''`` without session input."""
        tekst = fmt.editie_tekst(self.sessies)
        return f"Tweede editie, {tekst}" if tekst else ""

    def values(self, key: str, jaar: int | None = None) -> tuple[pd.Series, pd.Series]:
        return kaartgegevens.buurt_values(
            self.indicatoren, key, jaar if jaar is not None else self.jaar
        )

    def intervals(self, key: str, jaar: int | None = None) -> tuple[pd.Series, pd.Series]:
        return kaartgegevens.buurt_intervals(
            self.indicatoren, key, jaar if jaar is not None else self.jaar
        )

    def signaal(self, key: str) -> bool:
        """False when the buurt differences of ``key`` come only from the model."""
        return klassen.buurtsignaal(self.meta, key).signaal

    def neutraal(self, key: str) -> str:
        """Legend text of the classless map of ``key`` (``''``: normal classes)."""
        return "" if self.signaal(key) else texts.KAART_ZONDER_SIGNAAL

    def heel(self, key: str, jaar: int) -> str:
        """``'heel Duiven ≈ 10%'``: the gemeente figure of ``key`` in ``jaar`` (``''``
        when missing). A map in one colour otherwise shows no figure at all, and two such
        maps side by side read as "no change" (real Duiven, 75+: 10% in 2024, 15% in 2040).
        """
        if key not in self.indicatoren or not (self.indicatoren["niveau"] == "gemeente").any():
            return ""
        try:
            waarde = texts.opzoeken(
                self.indicatoren, texts.gemeente_code(self.indicatoren), jaar, key
            )
        except KeyError:  # no gemeente row for that year
            return ""
        if fmt.is_missing(waarde):
            return ""
        return f"heel {self.gemeente} {fmt.waarde(waarde, self.registry[key], marker=True)}"

    def zonder_tekst(self, key: str) -> str:
        """Why ``key`` has no classes, with the gemeente figure (``''`` when it has)."""
        if self.signaal(key):
            return ""
        ind = self.registry[key]
        g = self.indicatoren[
            (self.indicatoren["niveau"] == "gemeente") & (self.indicatoren["jaar"] == self.jaar)
        ]
        waarde, marge = float("nan"), ""
        if len(g) and key in g:
            waarde = g[key].iloc[0]
            lo, hi = klassen.intervallen(g, key)
            marge = fmt.marge(lo.iloc[0], hi.iloc[0], ind)
        return texts.zonder_signaal_zin(
            ind, self.gemeente, self.jaar, fmt.waarde(waarde, ind, marker=True), marge,
            klassen.buurtsignaal(self.meta, key).uitleg,
        )  # fmt: skip

    def classify(self, key: str, vals: pd.Series) -> kaartklassen.Classification:
        """Classes of the configured scheme that never split overlapping intervals."""
        ind = self.registry[key]
        lo, hi = self.intervals(key)
        return kaartklassen.classify(vals, self.cfg["classificatie"], int(self.cfg["klassen"]),
                             decimals=ind.decimalen, unit=ind.eenheid, lo=lo, hi=hi)  # fmt: skip


def _prepare(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    cfg: dict[str, Any] | None,
    sessies: dict[str, Any] | None = None,
) -> _Data:
    cfg = _cfg(cfg)
    b_codes = set(_buurt_rows(indicatoren)["code"].astype(str))
    g = buurten.copy()
    g["code"] = g["code"].astype(str)
    # A geometry file may hold more than this gemeente (regio runs): keep the table's buurten.
    if b_codes & set(g["code"]):
        g = g[g["code"].isin(b_codes)]
    if "naam" not in g.columns or g["naam"].isna().any():
        names = _buurt_rows(indicatoren).drop_duplicates("code").set_index("code")["naam"]
        g["naam"] = g["code"].map(names).fillna(g.get("naam", g["code"]))
    g = g.reset_index(drop=True)
    wijken = kaartgegevens.dissolve_wijken(g, indicatoren)
    wnames = (
        indicatoren.loc[indicatoren["niveau"] == "wijk", ["code", "naam"]]
        .drop_duplicates("code")
        .set_index("code")["naam"]
    )
    wijknamen = wijken.rename(columns={"wijkcode": "code"})
    wijknamen["naam"] = wijknamen["code"].map(wnames).fillna(wijknamen["code"])
    gm = meta.get("gemeentenaam") or str(indicatoren["gemeentenaam"].dropna().iloc[0])
    return _Data(
        buurten=g, wijken=wijken, wijknamen=wijknamen, indicatoren=indicatoren,
        registry=registry, meta=meta, cfg=cfg, gemeente=gm,
        jaar=int(meta.get("jaar") or _base_year(indicatoren)),
        fictief=bool(meta.get("fictief")), gebouwd=_datum_nl(meta.get("gebouwd")),
        sessies=sessies or None,
    )  # fmt: skip
