"""The draft importer finds the articles of drafts as municipalities write them: «Чл.», «Άρθρο»,
«Art.» headings, in Markdown or plain text, each numbered once (never «1. Чл. 1. …»)."""

from __future__ import annotations

import pytest

from plugins.hearings.consultations.services import draft_text, parse_draft


def _shape(text):
    preamble, articles = parse_draft(text)
    return preamble, [(a.number, a.title, a.body) for a in articles]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "## Чл. 1. Предмет\n\nТекст.\n\n## Чл. 2 Обхват\n\nТекст 2.",
            [("1", "Предмет", "Текст."), ("2", "Обхват", "Текст 2.")],
        ),
        ("## Άρθρο 1ο: Σκοπός\n\nΚείμενο.", [("1", "Σκοπός", "Κείμενο.")]),
        ("## Art. 3. Obiectul\n\nText.", [("3", "Obiectul", "Text.")]),
        ("## Article 2. Measures\n\n1. Soup kitchen", [("2", "Measures", "1. Soup kitchen")]),
        ("## Budget\n\nEUR 1m", [("1", "Budget", "EUR 1m")]),  # no number of its own: numbered in order
    ],
)
def test_markdown_headings_keep_their_own_number(text, expected):
    assert _shape(text)[1] == expected


def test_plain_text_bulgarian_regulation():
    text = (
        "НАРЕДБА за социалните услуги\n\n"
        "Чл. 1. (1) С тази наредба се уреждат условията за социални услуги.\n(2) Втора алинея.\n"
        "Чл. 2. Обхват\nНаредбата се прилага в общината.\n"
        "Чл. 3. Наредбата влиза в сила от 1 януари 2027 г."
    )
    preamble, articles = _shape(text)
    assert preamble == "НАРЕДБА за социалните услуги"
    assert articles == [
        ("1", "", "(1) С тази наредба се уреждат условията за социални услуги.\n(2) Втора алинея."),
        ("2", "Обхват", "Наредбата се прилага в общината."),
        ("3", "", "Наредбата влиза в сила от 1 януари 2027 г."),
    ]


def test_plain_text_greek_and_romanian():
    greek = "Προοίμιο\n\nΆρθρο 1\nΣκοπός\n\nΟ σκοπός.\n\nΆρθρο 2ο\nΠεδίο εφαρμογής\n\nΚείμενο."
    assert _shape(greek) == ("Προοίμιο", [("1", "Σκοπός", "Ο σκοπός."), ("2", "Πεδίο εφαρμογής", "Κείμενο.")])
    romanian = "Art. 1. Obiectul\nText.\nArticolul 2 - Domeniul de aplicare\nText 2."
    assert _shape(romanian)[1] == [("1", "Obiectul", "Text."), ("2", "Domeniul de aplicare", "Text 2.")]


def test_editing_again_does_not_number_twice():
    _pre, articles = parse_draft("Чл. 1. Предмет\nТекст.\nЧл. 2. (1) Алинея.")
    text = draft_text(articles)
    assert "Чл." not in text and text.startswith("## 1. Предмет")
    assert [(a.number, a.title, a.body) for a in parse_draft(text)[1]] == [
        (a.number, a.title, a.body) for a in articles
    ]
