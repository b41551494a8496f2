import datetime as dt

import pytest

from shipmap.map.i18n import available_languages, language


def test_english_figures_read_as_in_the_article():
    en = language("en")
    assert en.quantity(4.6e6, 4.2e6, 5.8e6) == "4.2–5.8 million"
    assert en.quantity(15800) == "15,800"
    assert en.period(dt.date(2023, 8, 1), dt.date(2025, 3, 31)) == "Aug 2023 – Mar 2025"
    assert en.period(dt.date(2024, 3, 12), dt.date(2024, 3, 12)) == "12 Mar 2024"
    assert not en.rtl and en.dir == "ltr"


def test_persian_is_right_to_left_with_persian_digits_and_separators():
    fa = language("fa")
    assert fa.rtl and fa.dir == "rtl"
    assert fa.quantity(15800) == "۱۵٬۸۰۰"
    assert fa.quantity(4.6e6, 4.2e6, 5.8e6) == "۴٫۲ تا ۵٫۸ میلیون"
    assert fa.month(dt.date(2025, 3, 1)).endswith("۲۰۲۵")
    assert not any(
        ch.isascii() and ch.isdigit() for ch in fa.period(dt.date(2023, 8, 1), dt.date(2025, 3, 31))
    )


def test_units_and_strings_are_translated_with_english_fallback():
    fa = language("fa")
    assert fa.unit("containers") == "کانتینر"
    assert fa.unit("railcars") == "واگن"
    assert fa.unit("widgets") == "widgets"  # a unit nobody named stays as the data has it
    assert language("xx").t("routes") == "Routes"


@pytest.mark.parametrize("code", available_languages())
def test_every_strings_file_has_every_english_key(code):
    en, other = language("en").strings, language(code).strings

    def keys(d, prefix=""):
        return {prefix + k for k, v in d.items() if not isinstance(v, dict)} | {
            x for k, v in d.items() if isinstance(v, dict) for x in keys(v, prefix + k + ".")
        }

    plural_forms = {k for k in keys(en) if k.startswith("unit_")}  # only where a language has them
    assert keys(en) - keys(other) - plural_forms == set()


def test_units_take_the_plural_form_of_their_figure():
    en = language("en")
    assert en.unit("shipments", 1) == "shipment"
    assert en.unit("shipments", 64) == "shipments"
    assert en.unit("casualties", 1) == "killed or wounded"
    assert language("fa").unit("shipments", 1) == "محموله"
