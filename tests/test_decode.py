"""Bytes to text: encodings are detected, not guessed wrong silently (tasks.ingest.decode).

The accuracy on real news in ten languages is measured by ``bench/decode_accuracy.py``; these
are short texts written for the tests, one per encoding family.
"""

from __future__ import annotations

import random

import pytest

from tasks import reasons
from tasks.ingest.decode import DecodeError, decode_text

FRENCH = (
    "Les propriétaires de cafés à Genève estiment que les nouvelles règles sur les terrasses "
    "leur coûteront près de 300 € par mois. « C’est une décision prise sans nous », déplore "
    "un gérant du quartier des Pâquis."
)
SPANISH = (
    "El Gobierno de España aprobó el martes una reforma que permitirá a los niños de la región "
    "acceder a la educación pública gratuita desde los dos años, según informó el ministerio."
)
GERMAN = (
    "Die Bürgermeisterin von Zürich kündigte am Montag an, dass die Straßenbahn künftig auch "
    "nachts fahren soll. Die Gebühren für Fahrgäste würden sich nicht ändern."
)
POLISH = (
    "Rząd w Warszawie zapowiedział w środę, że ceny energii dla gospodarstw domowych zostaną "
    "zamrożone do końca przyszłego roku. Minister podkreślił, że decyzja była trudna."
)
TURKISH = (
    "Cumhurbaşkanı Erdoğan, hafta sonu uygulanacak sokağa çıkma yasağının hangi şehirleri "
    "kapsayacağını açıkladı. Vatandaşlar yeni düzenlemeyi merakla bekliyor."
)
RUSSIAN = (
    "Президент России заявил в понедельник, что переговоры с соседними странами продолжатся на "
    "следующей неделе в Москве. По его словам, стороны близки к соглашению."
)
ARABIC = (
    "أعلنت الحكومة يوم الاثنين عن خطة جديدة لدعم المزارعين في المناطق الريفية، وقال وزير "
    "الزراعة إن الخطة ستشمل قروضا ميسرة للمزارعين الصغار."
)
CHINESE = (
    "市政府周三宣布，将在明年投资建设新的地铁线路，以缓解城市交通拥堵问题。"
    "官员表示，新线路预计将于三年后通车，沿线居民对此表示欢迎。"
)
ENGLISH = (
    "Ferry crews returned to work on Sunday after the union accepted a revised pay offer, "
    "ending a nine-day strike that stranded thousands of island residents – “at last”."
)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (FRENCH, "cp1252"),
        (SPANISH, "latin-1"),
        (GERMAN, "cp1252"),
        (GERMAN, "latin-1"),
        (POLISH, "cp1250"),
        (POLISH, "iso8859_2"),
        (TURKISH, "cp1254"),
        (RUSSIAN, "cp1251"),
        (RUSSIAN, "koi8_r"),
        (ARABIC, "cp1256"),
        (CHINESE, "gb18030"),
        (ENGLISH, "utf-16"),  # with BOM
        (ENGLISH, "utf-16-le"),  # without
        (ENGLISH, "utf-16-be"),
        (RUSSIAN, "utf-16-le"),
        (FRENCH, "utf-32"),
        (FRENCH, "utf-8-sig"),
    ],
)
def test_legacy_and_wide_encodings_decode_to_the_original_text(text, encoding):
    decoded, _ = decode_text(text.encode(encoding))
    assert decoded == text


def test_windows_1252_and_latin_1_are_read_as_such():
    assert decode_text(FRENCH.encode("cp1252"))[1] == "cp1252"
    assert decode_text("Grüße aus Köln".encode("latin-1")) == ("Grüße aus Köln", "cp1252")


def test_utf8_with_a_stray_windows_1252_byte_stays_utf8():
    raw = GERMAN.encode() + b" It\x92s here."
    text, encoding = decode_text(raw)
    assert text == GERMAN + " It’s here."  # not "BÃ¼rgermeisterin"
    assert encoding == "utf-8+cp1252"


def test_utf8_cut_inside_a_character_marks_the_damage():
    raw = GERMAN.encode() + "“".encode()[:2]
    assert decode_text(raw)[0] == GERMAN + "\ufffd"


def test_random_high_bytes_are_undecodable_not_an_article():
    rng = random.Random(7)
    raw = bytes(rng.randrange(32, 256) for _ in range(2000))
    with pytest.raises(DecodeError) as caught:
        decode_text(raw)
    assert caught.value.reason == reasons.UNDECODABLE


def test_binary_is_refused():
    with pytest.raises(DecodeError) as caught:
        decode_text(bytes(range(256)) * 10)
    assert caught.value.reason == reasons.BINARY


def test_bad_utf16_after_a_bom_is_undecodable():
    with pytest.raises(DecodeError) as caught:
        decode_text(b"\xff\xfe" + "ok".encode("utf-16-le") + b"\x00\xd8")  # lone surrogate
    assert caught.value.reason == reasons.UNDECODABLE
