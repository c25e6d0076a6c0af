"""The one indicator registry.

Every label, unit, definition and source that appears in a table, report text,
map legend or export comes from here — there is no second copy of a label.
Some labels depend on configuration (the mantelzorg age bands), so the registry
is built from the validated config by :func:`build_registry`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

Soort = Literal["gemeten", "geschat", "gemodelleerd", "gemeten/geschat"]

THEMAS: dict[str, str] = {
    "bevolking": "Bevolking",
    "vergrijzing": "Vergrijzing",
    "mantelzorg": "Mantelzorgpotentieel",
    "dementie": "Dementie",
    "eenzaamheid": "Eenzaamheid",
    "wonen": "Wonen en voorzieningen",
}


@dataclass(frozen=True)
class Indicator:
    """Metadata of one indicator.

    Attributes
    ----------
    key
        Column name in the indicator table.
    label
        Full Dutch label (tables, report).
    kort
        Short label for legends and narrow columns.
    eenheid
        Unit: ``"personen"``, ``"%"``, ``"ratio"``, ``"km"``, ``"huishoudens"``.
    definitie
        One-sentence definition in plain Dutch.
    bron
        Source tables with ids, e.g. ``"CBS KWB 85984NED"``.
    soort
        Measured, estimated or modelled (shown next to every number).
    thema
        Theme key of :data:`THEMAS`.
    decimalen
        Decimals when printed.
    richting
        +1 when a higher value means a larger task, -1 when lower means larger,
        0 when neutral (used by the transparent buurt ranking only).
    is_aantal
        True for counts (estimated counts get rounded in outputs).
    is_rate
        True for shares/ratios (suppressed for small buurten).
    prognose
        True when the indicator exists for horizon years too.
    bron_gemeten
        Source of the values CBS itself publishes (the base year of a ``gemeten/geschat``
        indicator): only the KWB, without the age profile and forecast the estimates
        rest on. Empty: ``bron`` for every value.
    binnen_band
        True when buurten differ in this indicator only through the split *inside* a KWB
        age band (85-plussers within the 65-plussers): without a buurt margin that informs
        that split (burgerlijke staat, BRP) the differences are the model's, not the data's
        (see :func:`pipeline.model.intervals.bepaal_buurtsignaal`).
    """

    key: str
    label: str
    kort: str
    eenheid: str
    definitie: str
    bron: str
    soort: Soort
    thema: str
    decimalen: int = 0
    richting: int = 0
    is_aantal: bool = False
    is_rate: bool = False
    prognose: bool = False
    binnen_band: bool = False
    bron_gemeten: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for templates and the Toelichting sheet)."""
        return asdict(self)

    def bron_van(self, jaar: int, basisjaar: int) -> str:
        """The source of this indicator's value in ``jaar`` (see ``bron_gemeten``)."""
        return self.bron_gemeten if self.bron_gemeten and jaar == basisjaar else self.bron


def band_label(van: int, tot: int | None) -> str:
    """Dutch label of an age band: ``'50-64 jaar'`` or ``'85-plussers'``."""
    return f"{van}-plussers" if tot is None else f"{van}-{tot}-jarigen"


def build_registry(
    kwb_tabel: str,
    jaar: int,
    mz_van: tuple[int, int],
    mz_ouderen: int,
    prevalentie_bron: str,
    gezondheid_tabel: str,
    bevolking_bron: str,
    prognose_bron: str,
) -> dict[str, Indicator]:
    """Build the indicator registry for a configuration.

    Parameters
    ----------
    kwb_tabel
        KWB table id of the data year (e.g. ``"85984NED"``).
    jaar
        Data year.
    mz_van
        Age band of potential carers, inclusive (e.g. ``(50, 64)``).
    mz_ouderen
        Lower age of the oldest group (85).
    prevalentie_bron
        Short citation of the dementia prevalence rates.
    gezondheid_tabel
        RIVM table id for loneliness.
    bevolking_bron
        Description of the age-detail source (e.g. ``"CBS 03759ned"``).
    prognose_bron
        Description of the forecast source.

    Returns
    -------
    dict
        Indicator key -> :class:`Indicator`, in presentation order.
    """
    kwb = f"CBS Kerncijfers wijken en buurten {jaar} ({kwb_tabel})"
    schat = f"{kwb}; leeftijdsverdeling {bevolking_bron}; prognose {prognose_bron}"
    carers = band_label(mz_van[0], mz_van[1])
    oldest = band_label(mz_ouderen, None)
    items = [
        Indicator(
            "inwoners",
            "Aantal inwoners",
            "Inwoners",
            "personen",
            "Aantal inwoners op 1 januari.",
            kwb,
            "gemeten/geschat",
            "bevolking",
            is_aantal=True,
            prognose=True,
            bron_gemeten=kwb,
        ),
        Indicator(
            "aandeel_0_14",
            "Aandeel 0-14-jarigen",
            "0-14 jaar (%)",
            "%",
            "Inwoners van 0 tot 15 jaar als percentage van alle inwoners.",
            kwb,
            "gemeten",
            "bevolking",
            is_rate=True,
        ),
        Indicator(
            "aantal_65plus",
            "Aantal 65-plussers",
            "65+",
            "personen",
            "Inwoners van 65 jaar en ouder.",
            schat,
            "gemeten/geschat",
            "vergrijzing",
            is_aantal=True,
            prognose=True,
            richting=1,
            bron_gemeten=kwb,
        ),
        Indicator(
            "aandeel_65plus",
            "Aandeel 65-plussers",
            "65+ (%)",
            "%",
            "65-plussers als percentage van alle inwoners.",
            schat,
            "gemeten/geschat",
            "vergrijzing",
            is_rate=True,
            prognose=True,
            richting=1,
            bron_gemeten=kwb,
        ),
        Indicator(
            "aantal_75plus",
            "Aantal 75-plussers",
            "75+",
            "personen",
            "Inwoners van 75 jaar en ouder (geschat per buurt).",
            schat,
            "geschat",
            "vergrijzing",
            is_aantal=True,
            prognose=True,
            richting=1,
        ),
        Indicator(
            "aandeel_75plus",
            "Aandeel 75-plussers",
            "75+ (%)",
            "%",
            "75-plussers als percentage van alle inwoners (geschat per buurt).",
            schat,
            "geschat",
            "vergrijzing",
            is_rate=True,
            prognose=True,
            richting=1,
        ),
        Indicator(
            "aantal_85plus",
            "Aantal 85-plussers",
            "85+",
            "personen",
            "Inwoners van 85 jaar en ouder (geschat per buurt).",
            schat,
            "geschat",
            "vergrijzing",
            is_aantal=True,
            prognose=True,
            richting=1,
        ),
        Indicator(
            "aandeel_85plus",
            "Aandeel 85-plussers",
            "85+ (%)",
            "%",
            "85-plussers als percentage van alle inwoners (geschat per buurt).",
            schat,
            "geschat",
            "vergrijzing",
            decimalen=1,
            is_rate=True,
            prognose=True,
            richting=1,
        ),
        Indicator(
            "dubbele_vergrijzing",
            "Dubbele vergrijzing",
            "85+ binnen 65+ (%)",
            "%",
            "85-plussers als percentage van de 65-plussers.",
            schat,
            "geschat",
            "vergrijzing",
            is_rate=True,
            prognose=True,
            richting=1,
            binnen_band=True,
        ),
        Indicator(
            "mantelzorgpotentieel",
            "Mantelzorgpotentieel",
            f"{carers} per {oldest[:-1]}",
            "ratio",
            f"Aantal {carers} per {oldest[:-1]} (RIVM Regiobeeld-definitie bij 50-64/85+). "
            "Lager betekent: minder potentiële mantelzorgers per oudere.",
            schat,
            "geschat",
            "mantelzorg",
            decimalen=1,
            is_rate=True,
            prognose=True,
            richting=-1,
        ),
        Indicator(
            "dementie_aantal",
            "Geschat aantal mensen met dementie",
            "Dementie (aantal)",
            "personen",
            "Som over leeftijdsklassen en geslacht van prevalentie x aantal inwoners.",
            f"{schat}; prevalentie {prevalentie_bron}",
            "geschat",
            "dementie",
            is_aantal=True,
            prognose=True,
            richting=1,
        ),
        Indicator(
            "dementie_per_100_65plus",
            "Mensen met dementie per 100 65-plussers",
            "Dementie per 100 65+",
            "per 100",
            "Geschat aantal mensen met dementie per 100 inwoners van 65 jaar en ouder.",
            f"{schat}; prevalentie {prevalentie_bron}",
            "geschat",
            "dementie",
            decimalen=1,
            is_rate=True,
            prognose=True,
            richting=1,
            binnen_band=True,
        ),
        Indicator(
            "eenzaam_pct",
            "Eenzaam (18+)",
            "Eenzaam (%)",
            "%",
            "Percentage volwassenen dat matig tot zeer ernstig eenzaam is, De Jong "
            "Gierveld-schaal; modelschatting per buurt.",
            f"RIVM Gezondheidsmonitor, Gezondheid per wijk en buurt ({gezondheid_tabel})",
            "gemodelleerd",
            "eenzaamheid",
            is_rate=True,
            richting=1,
        ),
        Indicator(
            "ernstig_eenzaam_pct",
            "Ernstig of zeer ernstig eenzaam (18+)",
            "Ernstig eenzaam (%)",
            "%",
            "Percentage volwassenen dat ernstig of zeer ernstig eenzaam is; modelschatting.",
            f"RIVM Gezondheidsmonitor ({gezondheid_tabel})",
            "gemodelleerd",
            "eenzaamheid",
            is_rate=True,
            richting=1,
        ),
        Indicator(
            "emotioneel_eenzaam_pct",
            "Emotioneel eenzaam (18+)",
            "Emotioneel eenzaam (%)",
            "%",
            "Percentage volwassenen dat emotioneel eenzaam is (gemis van een hechte band).",
            f"RIVM Gezondheidsmonitor ({gezondheid_tabel})",
            "gemodelleerd",
            "eenzaamheid",
            is_rate=True,
            richting=1,
        ),
        Indicator(
            "sociaal_eenzaam_pct",
            "Sociaal eenzaam (18+)",
            "Sociaal eenzaam (%)",
            "%",
            "Percentage volwassenen dat sociaal eenzaam is (gemis van een breder netwerk).",
            f"RIVM Gezondheidsmonitor ({gezondheid_tabel})",
            "gemodelleerd",
            "eenzaamheid",
            is_rate=True,
            richting=1,
        ),
        Indicator(
            "eenzaam_aantal",
            "Geschat aantal eenzame volwassenen",
            "Eenzaam (aantal)",
            "personen",
            "Percentage eenzaam x geschat aantal inwoners van 18 jaar en ouder.",
            f"RIVM ({gezondheid_tabel}); {schat}",
            "geschat",
            "eenzaamheid",
            is_aantal=True,
            richting=1,
        ),
        Indicator(
            "aandeel_eenpersoonshuishoudens",
            "Aandeel eenpersoonshuishoudens",
            "Eenpersoonshuish. (%)",
            "%",
            "Eenpersoonshuishoudens als percentage van alle huishoudens.",
            kwb,
            "gemeten",
            "wonen",
            is_rate=True,
            richting=1,
        ),
        Indicator(
            "koopwoningen_pct",
            "Aandeel koopwoningen",
            "Koopwoningen (%)",
            "%",
            "Koopwoningen als percentage van de woningvoorraad.",
            kwb,
            "gemeten",
            "wonen",
            is_rate=True,
        ),
        Indicator(
            "afstand_huisarts",
            "Afstand tot huisartsenpraktijk",
            "Afstand huisarts (km)",
            "km",
            "Gemiddelde afstand over de weg van alle inwoners tot de dichtstbijzijnde "
            "huisartsenpraktijk.",
            kwb,
            "gemeten",
            "wonen",
            decimalen=1,
            richting=1,
        ),
        Indicator(
            "afstand_supermarkt",
            "Afstand tot grote supermarkt",
            "Afstand supermarkt (km)",
            "km",
            "Gemiddelde afstand over de weg tot de dichtstbijzijnde grote supermarkt.",
            kwb,
            "gemeten",
            "wonen",
            decimalen=1,
            richting=1,
        ),
    ]
    return {i.key: i for i in items}


def registry_from_config(
    config: dict[str, Any], prevalentie_bron: str = "", tabellen: dict[str, str] | None = None
) -> dict[str, Indicator]:
    """Build the registry from a validated configuration (the one entry point for rules).

    Parameters
    ----------
    config
        Validated configuration (defaults filled in).
    prevalentie_bron
        Short citation of the dementia prevalence table.
    tabellen
        Input kind -> the table a gemeente's data really came from
        (:func:`pipeline.model.provenance.tables` of its ``bronnen.json``): with a list of
        forecast files, or the online fallback, that differs from the configured table.

    Returns
    -------
    dict
        The indicator registry.
    """
    # A file of its own names no CBS table; demo numbers are generated, so no table id that
    # would suggest otherwise.
    eigen = {
        "brp": "BRP-extract per buurt",
        "primos": "Primos (ABF Research)",
        "demo": "fictief (demo)",
    }
    bron_type = {"cbs": "CBS", "lokaal": "lokaal bestand"}

    def bron(kind: str, tabel: str) -> str:
        typ = config["bronnen"][kind]["type"]
        return eigen.get(typ) or f"{tabel} ({bron_type[typ]})"

    bevolking_bron = bron("bevolking", config["cbs"]["bevolking_tabel"])
    prognose_bron = bron(
        "prognose", (tabellen or {}).get("prognose") or config["cbs"]["prognose_tabel"]
    )
    ind = config["indicatoren"]
    return build_registry(
        kwb_tabel=config["cbs"]["kwb_tabellen"][str(config["jaar"])],
        jaar=int(config["jaar"]),
        mz_van=(int(ind["mantelzorg_van"][0]), int(ind["mantelzorg_van"][1])),
        mz_ouderen=int(ind["mantelzorg_ouderen_vanaf"]),
        prevalentie_bron=prevalentie_bron or ind["dementie_prevalentie"],
        gezondheid_tabel=config["cbs"]["gezondheid_tabel"],
        bevolking_bron=bevolking_bron,
        prognose_bron=prognose_bron,
    )


#: Layout version of ``register.json``; a reader refuses another one.
REGISTER_VERSIE = 1


def registry_to_json(registry: dict[str, Indicator]) -> dict[str, Any]:
    """The registry as stored beside the indicator table (``register.json``).

    The build writes it once; every renderer reads it, so a number and its label, unit and
    decimals always come from the same build (issue 13).

    Parameters
    ----------
    registry
        Indicator registry (:func:`build_registry`), in display order.

    Returns
    -------
    dict
        ``{"versie": ..., "indicatoren": [Indicator fields, ...]}`` (order kept).
    """
    return {"versie": REGISTER_VERSIE, "indicatoren": [i.as_dict() for i in registry.values()]}


def registry_from_json(data: dict[str, Any], source: str = "register.json") -> dict[str, Indicator]:
    """Read back what :func:`registry_to_json` stored.

    Parameters
    ----------
    data
        The parsed ``register.json``.
    source
        File name for the message.

    Returns
    -------
    dict
        The indicator registry, in the stored order.

    Raises
    ------
    WijkscanError
        For another layout version (a build of an older wijkscan): rebuild it.
    """
    from pipeline.errors import WijkscanError

    if not isinstance(data, dict) or data.get("versie") != REGISTER_VERSIE:
        raise WijkscanError(
            f"Het indicatorregister {source} heeft een andere indeling dan deze wijkscan leest.",
            waar=source,
            oplossing="Bouw de indicatoren opnieuw (verwijder data/processed/<gemeente>/ en "
            "start dezelfde opdracht opnieuw).",
        )
    items = [Indicator(**d) for d in data["indicatoren"]]
    return {i.key: i for i in items}


def read_registry(path: str | Path, gemeente: str) -> dict[str, Indicator]:
    """A gemeente's registry, stored beside the batch's indicator table (``register.json``).

    Parameters
    ----------
    path
        The ``register.json`` that the build step wrote (one registry per gemeente).
    gemeente
        Gemeente code.

    Returns
    -------
    dict
        The indicator registry, in display order.
    """
    p = Path(path)
    data = json.loads(p.read_text(encoding="utf-8"))
    return registry_from_json(data[gemeente], f"{p} ({gemeente})")


def merge_registries(registries: list[dict[str, Indicator]]) -> dict[str, Indicator]:
    """One registry for a region from the registries of its gemeenten.

    The gemeenten share one configuration, so labels, units and decimals agree; only the
    source can differ (e.g. a forecast from another file per gemeente). Those sources are
    listed side by side instead of one gemeente's standing for all.

    Parameters
    ----------
    registries
        The members' registries (at least one), in member order.

    Returns
    -------
    dict
        The region's registry, in the first member's order.
    """
    first = registries[0]
    return {
        key: replace(
            ind, bron="; ".join(dict.fromkeys(r[key].bron for r in registries if key in r))
        )
        for key, ind in first.items()
    }
