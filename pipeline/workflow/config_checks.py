"""Checks of the configuration beyond its schema: sources, horizon, age bands, registry keys.

Each runs before Snakemake plans anything, so that a user sees one Dutch sentence naming
the key instead of a failing step later (or, worse, a wrong number).
"""

from __future__ import annotations

import difflib
import re
from pathlib import PurePath
from typing import Any

from pipeline.errors import WijkscanError
from pipeline.workflow.config_paden import kwb_table_id
from pipeline.workflow.config_schema import ALLOWED_TYPES, load_schema, with_defaults


def check_sources(config: dict[str, Any]) -> None:
    """Check that every input kind has a source type it supports.

    Parameters
    ----------
    config
        Schema-valid configuration with the defaults filled in (:func:`with_defaults`).

    Raises
    ------
    WijkscanError
        Naming the key of the first source that cannot be used.
    """
    check_aanvulling(config)
    # Before any job runs: a peiljaar without a KWB table failed halfway through a build,
    # after Snakemake had already removed the previous report.
    kwb_table_id(config)
    check_file_years(config)
    for kind, allowed in ALLOWED_TYPES.items():
        src = config["bronnen"][kind]["type"]
        if isinstance(config["bronnen"][kind].get("pad"), list):
            # Only the forecast reads several files (the first file with the gemeente wins,
            # in any batch); the other readers read one file.
            if kind != "prognose" or src != "lokaal":
                raise WijkscanError(
                    f"Een lijst van bestanden kan niet voor bronnen.{kind}.pad.",
                    waar=f"configuratie, sleutel bronnen.{kind}.pad",
                    oplossing="Geef één bestand op. Alleen prognose met type 'lokaal' leest "
                    "een lijst van prognosebestanden.",
                )
        if src not in allowed:
            raise WijkscanError(
                f"Bron '{src}' kan niet voor '{kind}'.",
                waar=f"configuratie, sleutel bronnen.{kind}.type",
                oplossing=f"Kies een van: {', '.join(allowed)}.",
            )


#: Input kinds whose local file must hold the peiljaar itself (data and geometry year
#: match: buurt codes are reused for other areas between years).
_JAAR_VAN_BESTAND = ("kwb", "geometrie")
_JAARTAL = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")


def check_file_years(config: dict[str, Any]) -> None:
    """Check that a local KWB or geometry file does not name another year than ``jaar``.

    The files carry no year inside (a KWB extract has no period column, a buurt layer no
    year field), so a 2024 file read with ``jaar: 2023`` was built without complaint and
    labelled with the 2023 table. The file name is the one place the year shows; a name
    without a year is accepted.

    Parameters
    ----------
    config
        Schema-valid configuration with the defaults filled in.

    Raises
    ------
    WijkscanError
        When the name of such a file contains years, none of which is ``jaar``.
    """
    jaar = str(config["jaar"])
    for kind in _JAAR_VAN_BESTAND:
        src = config["bronnen"][kind]
        pad = src.get("pad")
        if src["type"] != "lokaal" or not isinstance(pad, str):
            continue
        jaren = _JAARTAL.findall(PurePath(pad).name)
        if jaren and jaar not in jaren:
            raise WijkscanError(
                f"Het bestand {PurePath(pad).name} heeft {' en '.join(dict.fromkeys(jaren))} "
                f"in zijn naam, maar het peiljaar is {jaar}.",
                waar=f"configuratie, sleutels jaar en bronnen.{kind}.pad",
                oplossing=f"Zet jaar op het jaar van het bestand, of geef het bestand van {jaar} "
                "op. Cijfers en buurtgrenzen moeten van hetzelfde jaar zijn: het CBS geeft "
                "buurtcodes soms aan een ander gebied. Staat het jaar verkeerd in de naam, "
                "hernoem dan het bestand.",
            )


def check_aanvulling(config: dict[str, Any]) -> None:
    """Check ``bronnen.kwb_aanvulling`` (the optional adjacent KWB year) beyond the schema.

    Parameters
    ----------
    config
        Schema-valid configuration with the defaults filled in (an absent block is 'geen').

    Raises
    ------
    WijkscanError
        When a used source has no year, the year equals the peiljaar, or a local source has
        no file.
    """
    src = config["bronnen"]["kwb_aanvulling"]
    if src["type"] == "geen":
        return
    waar = "configuratie, sleutel bronnen.kwb_aanvulling"
    if src.get("jaar") is None:
        raise WijkscanError(
            "Bij een aanvullend KWB-jaar ontbreekt het jaar.",
            waar=f"{waar}.jaar",
            oplossing="Geef het peiljaar van het aanvullende bestand op, bijvoorbeeld jaar: 2023.",
        )
    if src["jaar"] == config["jaar"]:
        raise WijkscanError(
            f"Het aanvullende KWB-jaar ({src['jaar']}) is hetzelfde als het peiljaar.",
            waar=f"{waar}.jaar",
            oplossing="Kies een ander jaar (meestal het jaar ervoor), of zet type: geen.",
        )
    if src["type"] == "lokaal" and not src.get("pad"):
        raise WijkscanError(
            "Het aanvullende KWB-jaar is 'lokaal' maar er is geen bestand opgegeven.",
            waar=f"{waar}.pad",
            oplossing="Geef het pad naar het KWB-bestand van dat jaar op, of kies type 'cbs'.",
        )


def check_horizon(config: dict[str, Any]) -> None:
    """Check that every horizon year lies after the peiljaar.

    An empty list is refused by the schema (``minItems: 1``): the report and the
    vouwkaart compare the peiljaar with the future, so a build without one has no meaning.

    Parameters
    ----------
    config
        Schema-valid configuration as the user wrote it: only the horizon years given
        are checked (an absent horizon is not compared with the peiljaar).

    Raises
    ------
    WijkscanError
        Naming the horizon years at or before the peiljaar.
    """
    jaar = config["jaar"]  # required by the schema
    vroeg = [h for h in config.get("horizon", []) if isinstance(h, int) and h <= jaar]
    if vroeg:
        raise WijkscanError(
            f"Horizonjaar {', '.join(str(h) for h in vroeg)} ligt niet na het peiljaar {jaar}.",
            waar="configuratie, sleutels horizon en jaar",
            oplossing=f"Kies toekomstjaren na {jaar}, bijvoorbeeld horizon: [2030, 2035, 2040]; "
            "het peiljaar zelf staat altijd in het rapport.",
        )


#: Width of the age classes the mantelzorg bands are built from (0-4, 5-9, ..., 100-104).
KLASSE_BREEDTE = 5
#: Highest age of the bands (``pipeline.model.ages.MAX_AGE``: that index holds everyone older;
#: not imported, so that the pre-check of a command line does not load pandas).
MAX_LEEFTIJD = 105


def check_mantelzorg(config: dict[str, Any]) -> None:
    """Check the mantelzorg age bands before anything runs.

    The carers band ``mantelzorg_van: [van, tot]`` (both inclusive) and the oldest group
    ``mantelzorg_ouderen_vanaf`` must lie within 0-105, start and end on the 5-year class
    boundaries (van a multiple of 5, tot one below), and the carers must be younger than the
    oldest group. Without this check ``[64, 50]`` gave a ratio of 0 everywhere.

    Parameters
    ----------
    config
        Schema-valid configuration with the defaults filled in (:func:`with_defaults`).

    Raises
    ------
    WijkscanError
        Naming the key, the value and a valid example.
    """
    ind = config["indicatoren"]
    band = ind["mantelzorg_van"]
    vanaf = ind["mantelzorg_ouderen_vanaf"]
    van, tot = int(band[0]), int(band[1])
    waar_band = "configuratie, sleutel indicatoren.mantelzorg_van"
    waar_oud = "configuratie, sleutel indicatoren.mantelzorg_ouderen_vanaf"
    voorbeeld = "bijvoorbeeld mantelzorg_van: [50, 64] (RIVM) of [50, 74] (PBL/SCP)"
    if van > tot:
        raise WijkscanError(
            f"De leeftijdsband van mantelzorgers [{van}, {tot}] loopt achteruit.",
            waar=waar_band,
            oplossing=f"Zet de jongste leeftijd eerst: [{tot}, {van}]; {voorbeeld}.",
        )
    if not (0 <= van and tot <= MAX_LEEFTIJD):
        raise WijkscanError(
            f"De leeftijdsband van mantelzorgers [{van}, {tot}] valt buiten 0-{MAX_LEEFTIJD} jaar.",
            waar=waar_band,
            oplossing=f"Kies leeftijden tussen 0 en {MAX_LEEFTIJD}; {voorbeeld}.",
        )
    if van % KLASSE_BREEDTE or tot % KLASSE_BREEDTE != KLASSE_BREEDTE - 1:
        laag = van - van % KLASSE_BREEDTE
        hoog = tot - tot % KLASSE_BREEDTE + KLASSE_BREEDTE - 1
        raise WijkscanError(
            f"De leeftijdsband van mantelzorgers [{van}, {tot}] valt niet op de grenzen van de "
            "5-jaarsklassen waaruit hij wordt opgeteld.",
            waar=waar_band,
            oplossing="Laat de band beginnen bij een veelvoud van 5 en eindigen één jaar voor een "
            f"veelvoud van 5 (tot en met), bijvoorbeeld [{laag}, {hoog}]; {voorbeeld}.",
        )
    if not (0 <= vanaf <= MAX_LEEFTIJD) or vanaf % KLASSE_BREEDTE:
        raise WijkscanError(
            f"De ondergrens van de oudste groep ({vanaf}) is geen leeftijd tussen 0 en "
            f"{MAX_LEEFTIJD} op een grens van de 5-jaarsklassen.",
            waar=waar_oud,
            oplossing="Kies een veelvoud van 5, bijvoorbeeld mantelzorg_ouderen_vanaf: 85 "
            "(per 85-plusser).",
        )
    if tot >= vanaf:
        raise WijkscanError(
            f"De mantelzorgers ({van}-{tot} jaar) overlappen met de oudste groep ({vanaf}-plus).",
            waar=f"{waar_band} en indicatoren.mantelzorg_ouderen_vanaf",
            oplossing=f"Laat de band van mantelzorgers eindigen vóór {vanaf} jaar, of verhoog "
            f"de oudste groep; {voorbeeld} met mantelzorg_ouderen_vanaf: 85.",
        )


def _suggest(key: str, options: list[str]) -> str:
    close = difflib.get_close_matches(key, options, n=2, cutoff=0.5)
    return f" Bedoelt u {' of '.join(repr(c) for c in close)}?" if close else ""


def check_indicator_keys(config: dict[str, Any], schema: dict[str, Any] | None = None) -> None:
    """Check ``vouwkaart.hoofdindicator`` and ``rapport.weging`` against the indicator registry.

    Before this check an unknown hoofdindicator was a KeyError while the report was still
    built, and a wrong weging was found at render time, after the old report was deleted.

    Parameters
    ----------
    config
        Configuration (schema-valid; defaults need not be filled in).
    schema
        JSON schema; defaults to ``config/schema.yaml``.

    Raises
    ------
    WijkscanError
        For an unknown key (with the closest registry keys), an indicator without a
        direction in the weging, or a weging whose weights are all zero.
    """
    from pipeline.model.registry import registry_from_config

    schema = schema or load_schema()
    full = with_defaults(config, schema)
    tabellen = full["cbs"]["kwb_tabellen"]
    # The registry's labels need a KWB table id; an unknown peiljaar is reported later
    # (kwb_table_id) with its own message, the keys do not depend on it.
    full["cbs"] = dict(full["cbs"], kwb_tabellen={str(full["jaar"]): "onbekend", **tabellen})
    registry = registry_from_config(full)
    alle = list(registry)
    hoofd = full["vouwkaart"]["hoofdindicator"]
    if hoofd not in registry:
        raise WijkscanError(
            f"Onbekende indicator '{hoofd}' als hoofdindicator van de vouwkaart."
            + _suggest(hoofd, alle),
            waar="configuratie, sleutel vouwkaart.hoofdindicator",
            oplossing=f"Kies een indicator uit het register: {', '.join(alle)}.",
        )
    weegbaar = [k for k, i in registry.items() if i.richting]
    weging = full["rapport"]["weging"]
    for key in weging:
        if key not in registry:
            raise WijkscanError(
                f"Onbekende indicator '{key}' in de weging." + _suggest(key, weegbaar),
                waar=f"configuratie, sleutel rapport.weging.{key}",
                oplossing=f"Kies uit: {', '.join(weegbaar)}.",
            )
        if not registry[key].richting:
            raise WijkscanError(
                f"Indicator '{key}' heeft geen richting (een hogere waarde is geen grotere of "
                "kleinere opgave) en kan niet gewogen worden.",
                waar=f"configuratie, sleutel rapport.weging.{key}",
                oplossing=f"Haal '{key}' uit de weging; weegbaar zijn: {', '.join(weegbaar)}.",
            )
    if not any(w > 0 for w in weging.values()):
        raise WijkscanError(
            "Alle gewichten in de weging zijn 0 (of de weging is leeg): 'Buurten in beeld' "
            "heeft dan niets om te rangschikken.",
            waar="configuratie, sleutel rapport.weging",
            oplossing="Geef minstens één indicator een gewicht groter dan 0, bijvoorbeeld "
            "aandeel_75plus: 1.",
        )
