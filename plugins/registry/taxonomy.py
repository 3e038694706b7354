"""The shared taxonomies: kinds of entry, population groups, NACE Rev. 2 sectors, legal forms per
country and kinds of social service. Codes are stable (stored, exported, aggregated); labels are
translated when shown (``lazy_gettext``), so every municipality and the observatory agree."""

from core.toolkit import lazy_gettext as _l

KINDS = {
    "social_enterprise": _l("Social enterprise"),
    "social_service": _l("Social service"),
    "social_action": _l("Social action"),
}

#: who is served; one shared list, so that figures add up across municipalities
POPULATION_GROUPS = {
    "disability": _l("People with disabilities"),
    "roma": _l("Roma"),
    "migrants": _l("Migrants and refugees"),
    "homeless": _l("Homeless people"),
    "unemployed": _l("Unemployed people"),
    "older": _l("Older people"),
    "children": _l("Children and young people"),
    "addictions": _l("People with addictions"),
    "mental_health": _l("People with mental health problems"),
    "low_income": _l("People on low incomes"),
    "violence": _l("Women victims of violence"),
    "ex_prisoners": _l("Former prisoners"),
}

#: NACE Rev. 2 divisions in which social actors work (the code is the division's two digits)
SECTORS = {
    "01": _l("Crop and animal production"),
    "10": _l("Manufacture of food products"),
    "38": _l("Waste collection, treatment and recycling"),
    "47": _l("Retail trade"),
    "56": _l("Food and beverage service activities"),
    "81": _l("Services to buildings and landscape activities"),
    "85": _l("Education"),
    "86": _l("Human health activities"),
    "87": _l("Residential care activities"),
    "88": _l("Social work activities without accommodation"),
    "90": _l("Creative, arts and entertainment activities"),
    "94": _l("Activities of membership organisations"),
}

#: legal forms by the municipality's country (ISO 3166-1 alpha-2); the laws that define them
LEGAL_FORMS = {
    "GR": {  # Law 4430/2016 and the Civil Code
        "gr_koinsep": _l("Social cooperative enterprise (KoinSEp)"),
        "gr_koispe": _l("Limited liability social cooperative (KoiSPE)"),
        "gr_see": _l("Workers' cooperative (SEE)"),
        "gr_amke": _l("Non-profit civil company (AMKE)"),
        "gr_association": _l("Association (Civil Code)"),
    },
    "BG": {  # the 2018 Act on social and solidarity economy enterprises
        "bg_sse": _l("Social and solidarity economy enterprise"),
        "bg_class_a": _l("Social enterprise, class A"),
        "bg_class_a_plus": _l("Social enterprise, class A+"),
        "bg_cooperative": _l("Cooperative"),
        "bg_association": _l("Non-profit association"),
    },
    "RO": {  # Law 219/2015 and Government Ordinance 26/2000
        "ro_social": _l("Social enterprise"),
        "ro_wise": _l("Social insertion enterprise"),
        "ro_cooperative": _l("Cooperative society"),
        "ro_association": _l("Association (Ordinance 26/2000)"),
        "ro_foundation": _l("Foundation"),
    },
}

SERVICE_TYPES = {
    "day_centre": _l("Day centre"),
    "social_grocery": _l("Social grocery"),
    "community_centre": _l("Community centre"),
    "shelter": _l("Shelter"),
    "social_pharmacy": _l("Social pharmacy"),
    "tutoring": _l("Tutoring"),
    "meals": _l("Meals"),
    "home_care": _l("Help at home"),
}

PROVIDERS = {
    "municipality": _l("The municipality"),
    "ngo": _l("An NGO"),
    "church": _l("The church"),
    "other": _l("Another body"),
}

LANGUAGES = ("el", "bg", "ro", "en", "tr", "ar", "fa", "uk", "rom")


def language_name(code: str) -> str:
    """A language served, named in the reader's language (CLDR through babel; «ρομανί» for rom)."""
    from babel import Locale, UnknownLocaleError

    from core.toolkit import get_locale

    reader = get_locale() or Locale("en")
    try:
        return Locale.parse(code).get_display_name(reader) or code
    except (UnknownLocaleError, ValueError):
        return reader.languages.get(code, code)


def legal_forms_for(country: str) -> dict:
    return LEGAL_FORMS.get((country or "").upper(), {})


def all_legal_forms() -> dict:
    return {code: label for forms in LEGAL_FORMS.values() for code, label in forms.items()}


def label(table: dict, code: str | None) -> str:
    """The translated label of a code, or the code itself when it is unknown (old data)."""
    if not code:
        return ""
    found = table.get(code)
    return str(found) if found is not None else code


#: names of the statistical areas the demo and the first municipalities use (NUTS 2021), in the
#: country's own language; an area without one is shown by its code
AREA_NAMES = {
    "EL": "Ελλάδα",
    "EL51": "Ανατολική Μακεδονία, Θράκη",
    "EL511": "Έβρος",
    "BG": "България",
    "BG42": "Южен централен",
    "BG422": "Хасково",
    "RO": "România",
    "RO32": "București-Ilfov",
    "RO321": "București",
}
