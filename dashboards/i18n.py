"""The interface in English or Arabic: labels, direction, and names of concepts and languages.

The language is chosen by ``?ui=ar|en`` (remembered in a cookie by the page's switch), else by
the browser's ``Accept-Language``. Arabic mirrors the layout (``dir="rtl"`` on the page); every
article's own title and text carry their own ``lang``/``dir`` whatever the interface is.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale

from rasad.concepts import Lexicon

UI_LANGUAGES = ("en", "ar")
RTL = frozenset({"ar", "fa", "he", "ur", "ps", "yi", "ckb"})

_AR = {
    "Rasad": "رصد",
    "Overview": "نظرة عامة",
    "Search": "بحث",
    "Dashboards": "لوحات المتابعة",
    "Query": "الاستعلام",
    "Search articles": "ابحث في المقالات",
    "Apply": "تطبيق",
    "Time range": "المدة الزمنية",
    "Last 15 minutes": "آخر ١٥ دقيقة",
    "Last hour": "آخر ساعة",
    "Last 24 hours": "آخر ٢٤ ساعة",
    "Last 7 days": "آخر ٧ أيام",
    "Custom": "مخصص",
    "From": "من",
    "To": "إلى",
    "Pause": "إيقاف مؤقت",
    "Resume": "استئناف",
    "Live": "مباشر",
    "Paused": "متوقف",
    "Connecting…": "جارٍ الاتصال…",
    "Reconnecting…": "جارٍ إعادة الاتصال…",
    "Filters": "عوامل التصفية",
    "Remove filter": "إزالة عامل التصفية",
    "Loading…": "جارٍ التحميل…",
    "No data in this range": "لا بيانات في هذه المدة",
    "No articles yet": "لا مقالات بعد",
    "No alerts yet": "لا تنبيهات بعد",
    "Articles": "المقالات",
    "articles": "مقالات",
    "Time": "الوقت",
    "Count": "العدد",
    "per": "لكل",
    "minute": "دقيقة",
    "minutes": "دقائق",
    "hour": "ساعة",
    "hours": "ساعات",
    "day": "يوم",
    "days": "أيام",
    "results": "نتيجة",
    "for": "عن",
    "Sort": "الترتيب",
    "relevance": "الأهمية",
    "newest": "الأحدث",
    "Previous page": "الصفحة السابقة",
    "Next page": "الصفحة التالية",
    "Page": "صفحة",
    "Export": "تصدير",
    "Export all results as": "تصدير كل النتائج بصيغة",
    "Articles over time": "المقالات عبر الزمن",
    "Language": "اللغة",
    "Country": "الدولة",
    "Actors": "الفاعلون",
    "Event types": "أنواع الأحداث",
    "Interval": "الفاصل",
    "week": "أسبوع",
    "month": "شهر",
    "Source": "المصدر",
    "Published": "نُشر",
    "Ingested": "استُقبل",
    "Tags": "الوسوم",
    "Open the original": "فتح الأصل",
    "Story": "القصة",
    "Articles of this story": "مقالات هذه القصة",
    "The story on a timeline": "القصة على خط زمني",
    "Event codes": "رموز الأحداث",
    "Kind": "النوع",
    "Id": "المعرّف",
    "Label": "التسمية",
    "actor": "فاعل",
    "place": "مكان",
    "event": "حدث",
    "keyword": "كلمة مفتاحية",
    "The search store is unavailable": "مخزن البحث غير متاح",
    "Back to the overview": "العودة إلى النظرة العامة",
    "Interface language": "لغة الواجهة",
    "Skip to content": "انتقل إلى المحتوى",
    "Language of the interface": "لغة الواجهة",
    "new": "جديد",
    "Updated": "حُدّث",
    "rule": "القاعدة",
    "spike": "ارتفاع مفاجئ",
    "Not found": "غير موجود",
    "Error": "خطأ",
    "Charts could not load: run make setup (npm ci) to install them.": (
        "تعذر تحميل الرسوم: شغّل make setup (npm ci) لتثبيتها."
    ),
}


def translate(ui: str, text: str) -> str:
    """``text`` in the interface language (English is the key; unknown text stays English)."""
    return _AR.get(text, text) if ui == "ar" else text


def messages(ui: str) -> dict[str, str]:
    """Every label in the interface language (for the page's scripts)."""
    return {key: translate(ui, key) for key in _AR}


def choose(query_ui: str | None, cookie_ui: str | None, accept_language: str) -> str:
    """The interface language: ``?ui=``, then the cookie, then the browser's preference."""
    for wanted in (query_ui, cookie_ui):
        if wanted in UI_LANGUAGES:
            return wanted
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in UI_LANGUAGES:
            return code
    return "en"


def direction(language: str | None) -> str:
    """``rtl`` or ``ltr`` for a language code (unknown: ``auto``: the browser reads the text)."""
    if not language or language == "und":
        return "auto"
    return "rtl" if language.lower() in RTL else "ltr"


def concept_label(lexicon: Lexicon, concept_id: str, ui: str) -> str:
    """A concept's name in the interface language (its Arabic form in Arabic), else the id."""
    concept = lexicon.concepts.get(concept_id) or lexicon.concepts.get(concept_id.upper())
    if concept is None:
        return concept_id
    if ui == "ar" and concept.forms.get("ar"):
        return concept.forms["ar"][0].text
    return concept.label


@lru_cache(maxsize=512)
def language_name(code: str, ui: str) -> str:
    """``ar`` as "Arabic" (or "العربية" in Arabic); the code itself when Babel does not know it."""
    try:
        return Locale.parse(ui).languages.get(code, code)
    except (ValueError, TypeError):
        return code
