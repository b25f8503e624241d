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
    # the alerts pages
    "Alerts": "التنبيهات",
    "Alert history": "سجل التنبيهات",
    "Alert": "التنبيه",
    "Rules": "القواعد",
    "Rule": "القاعدة",
    "All rules": "كل القواعد",
    "New rule": "قاعدة جديدة",
    "Edit rule": "تعديل القاعدة",
    "Name": "الاسم",
    "State": "الحالة",
    "Delivery": "التسليم",
    "Destinations": "الوجهات",
    "Actions": "الإجراءات",
    "Edit": "تعديل",
    "Test": "اختبار",
    "Enable": "تفعيل",
    "Disable": "تعطيل",
    "Enabled": "مفعّلة",
    "Disabled": "معطّلة",
    "Snooze": "إسكات مؤقت",
    "Snooze for": "إسكات مؤقت لـ",
    "Unsnooze": "إلغاء الإسكات",
    "Snoozed until": "مُسكتة حتى",
    "Delete": "حذف",
    "Delete the rule": "حذف القاعدة",
    "Deleted": "حُذفت",
    "Save": "حفظ",
    "Saved": "حُفظت",
    "Cancel": "إلغاء",
    "What to watch": "ما يُرصد",
    "Languages": "اللغات",
    "Countries": "الدول",
    "Sources": "المصادر",
    "Each matching story": "كل قصة مطابقة",
    "A spike": "ارتفاع مفاجئ",
    "A silence": "صمت",
    "Counted per": "يُعدّ حسب",
    "Window (minutes)": "النافذة (دقائق)",
    "At least (articles)": "على الأقل (مقالات)",
    "Or K × the usual count": "أو K × العدد المعتاد",
    "Usual count over (windows)": "العدد المعتاد على مدى (نوافذ)",
    "Quiet": "الصامت",
    "Watch these (optional)": "راقب هذه (اختياري)",
    "Quiet for (minutes)": "صامت لمدة (دقائق)",
    "Or K × its usual gap": "أو K × الفاصل المعتاد",
    "Webhooks (one URL a line)": "خطافات الويب (عنوان في كل سطر)",
    "Slack webhooks (one URL a line)": "خطافات سلاك (عنوان في كل سطر)",
    "Emails (one address a line)": "البريد الإلكتروني (عنوان في كل سطر)",
    "Each alert at once": "كل تنبيه فورًا",
    "A digest every": "ملخص كل",
    "Digest every": "ملخص كل",
    "Minutes": "دقائق",
    "min": "د",
    "At most per minute": "الحد الأقصى في الدقيقة",
    "Message": "الرسالة",
    "Email subject": "موضوع البريد",
    "Text (email, Slack, webhook)": "النص (بريد، سلاك، خطاف ويب)",
    "Fields a message may use": "الحقول المتاحة في الرسالة",
    "What it would have matched": "ما كانت ستطابقه",
    "articles in the last": "مقالات في آخر",
    "Nothing matched": "لا شيء مطابق",
    "Latest alerts": "أحدث التنبيهات",
    "Matched": "وقت المطابقة",
    "Latency": "زمن الوصول",
    "alerts": "تنبيهات",
    "No rules yet": "لا قواعد بعد",
    "No alerts in this range": "لا تنبيهات في هذه المدة",
    "alerts topic and feed only": "موضوع التنبيهات والبث فقط",
    "webhook signing secret": "مفتاح توقيع الخطاف",
    "Export the rules as": "تصدير القواعد بصيغة",
    "Import rules from a file": "استيراد القواعد من ملف",
    "Replace rules of the same name": "استبدال القواعد التي تحمل الاسم نفسه",
    "Import": "استيراد",
    "Imported": "استُورد",
    "replaced": "مستبدلة",
    "Choose a file first": "اختر ملفًا أولًا",
    "Loaded": "تم التحميل",
    "Last 30 days": "آخر ٣٠ يومًا",
    "All time": "كل الأوقات",
    "match": "مطابقة",
    "silence": "صمت",
    "concept": "مفهوم",
    "country": "دولة",
    "source": "مصدر",
    "published": "النشر",
    "ingested": "الاستقبال",
    "tagged": "الوسم",
    "matched": "المطابقة",
    "delivered": "التسليم",
    "pending": "قيد الانتظار",
    "queued": "في الملخص القادم",
    "failed": "فشل",
    "refused": "مرفوض",
    "throttled": "مكبوح",
    "Log in": "تسجيل الدخول",
    "Log out": "تسجيل الخروج",
    "Log in first": "سجّل الدخول أولًا",
    "Log in to the alerts": "تسجيل الدخول إلى التنبيهات",
    "Alerts token": "رمز التنبيهات",
    "The token is the server's RASAD_ALERTS_TOKEN; API clients send it as a bearer token.": (
        "الرمز هو RASAD_ALERTS_TOKEN على الخادم؛ ترسله برامج الواجهة البرمجية كرمز Bearer."
    ),
    "Alerts are off: set RASAD_ALERTS_TOKEN to use them.": (
        "التنبيهات متوقفة: اضبط RASAD_ALERTS_TOKEN لاستخدامها."
    ),
    "wrong token": "رمز خاطئ",
    "too many failed logins: wait a few minutes": "محاولات دخول فاشلة كثيرة: انتظر بضع دقائق",
    "alerts are off: set RASAD_ALERTS_TOKEN": "التنبيهات متوقفة: اضبط RASAD_ALERTS_TOKEN",
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
