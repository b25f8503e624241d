"""How wire copy writes events, places and names, in five languages: one construction per case.

The sentences are written for these tests, after reading how agencies phrase such reports
(the constructions are listed in docs/processors.md); none is copied from a published text.
"""

from __future__ import annotations

import pytest

from processors.tagger import analyse_text, tag_text


def tags(text: str, lexicon, language: str) -> dict:
    return {t.id: t for t in tag_text(text, lexicon, language=language)}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Coalition aircraft bombed militant positions near the border overnight.", "en"),
        ("Fighter jets have bombed suspected rebel hideouts in the mountains.", "en"),
        ("Government helicopters bombed two villages with barrel bombs.", "en"),
        ("L'aviation russe a bombardé des positions rebelles dans trois provinces.", "fr"),
        ("Des drones ont frappé un dépôt de carburant près de la frontière.", "fr"),
        ("Самолеты ВКС нанесли ракетные удары по складам боевиков.", "ru"),
        ("Беспилотники атаковали нефтебазу в приграничном районе.", "ru"),
        ("Türk savaş uçakları dağlık bölgedeki sığınakları vurdu.", "tr"),
        ("SİHA'lar gece saatlerinde bir aracı hedef aldı.", "tr"),
        ("شن الطيران الحربي غارتين على أطراف البلدة.", "ar"),
        ("استهدفت طائرة مسيرة سيارة على الطريق الدولي.", "ar"),
    ],
)
def test_an_air_asset_with_an_attack_verb_is_an_airstrike_with_both_spans(text, language, lexicon):
    airstrike = tags(text, lexicon, language)["airstrike"]
    assert len(airstrike.spans) >= 2  # the asset and the act
    assert all(text[s.start : s.end] == s.text for s in airstrike.spans)


def test_rockets_fired_by_aircraft_are_an_airstrike_not_shelling(lexicon):
    found = tags("Израильские самолеты нанесли ракетные удары по окраинам города.", lexicon, "ru")
    assert "airstrike" in found and "shelling" not in found


def test_an_attack_verb_without_an_air_asset_is_not_an_airstrike(lexicon):
    assert "airstrike" not in tags(
        "The striker hit the post twice in the first half.", lexicon, "en"
    )


@pytest.mark.parametrize(
    ("text", "language", "event", "modality"),
    [
        ("The ministry denied that its jets had bombed the hospital.", "en", "airstrike", "denied"),
        (
            "Ankara said it could launch a new military operation within days.",
            "en",
            "military-force",
            "threatened",
        ),
        ("Le Kremlin a démenti toute négociation avec Kiev.", "fr", "negotiation", "denied"),
        (
            "Минобороны опровергло информацию о якобы нанесенных авиаударах.",
            "ru",
            "airstrike",
            "denied",
        ),
        (
            "Президент пригрозил начать наступление, если войска не отойдут.",
            "ru",
            "military-force",
            "threatened",
        ),
        (
            "Bakanlık, limana füze saldırısı düzenlendiği iddialarını reddetti.",
            "tr",
            "shelling",
            "denied",
        ),
        (
            "أعلنت الحركة أن مقاتليها اشتبكوا مع قوة متوغلة، ولم يعلق الجيش على ذلك.",
            "ar",
            "armed-clash",
            "claimed",
        ),
        ("Warplanes struck the depot on Monday, residents said.", "en", "airstrike", "carried_out"),
    ],
)
def test_modality_from_the_cue_words_around_the_event(text, language, event, modality, lexicon):
    assert tags(text, lexicon, language)[event].modality == modality


def test_a_threat_is_carried_out_and_the_threatened_action_is_threatened(lexicon):
    found = tags("He warned that the army would launch a ground offensive.", lexicon, "en")
    assert found["threat-of-force"].modality == "carried_out"
    assert found["military-force"].modality == "threatened"


def test_non_events_have_no_modality(lexicon):
    assert all(
        t.modality is None
        for t in tag_text("Putin met Erdogan in Ankara.", lexicon)
        if t.kind != "event"
    )


@pytest.mark.parametrize(
    ("text", "language", "region", "city"),
    [
        ("Shelling hit villages in Idlib province on Sunday.", "en", "iso:SY-ID", None),
        ("Des combats ont eu lieu dans la province d'Idleb.", "fr", "iso:SY-ID", None),
        ("Бои продолжаются в Курской области.", "ru", "iso:RU-KRS", None),
        ("قصفت المدفعية قرى في محافظة دهوك.", "ar", "iso:IQ-DA", None),
        ("Adana'nın Kozan ilçesinde deprem oldu.", "tr", "iso:TR-01", None),
        ("Fighting spread across Donbas this week.", "en", "iso:UA-14", None),
        ("Clashes erupted in Aleppo city; Idlib was calm.", "en", None, "geonames:169389"),
    ],
)
def test_regions_are_tagged_when_the_text_marks_them(text, language, region, city, lexicon):
    found = tags(text, lexicon, language)
    if region:
        assert region in found
        assert city is None or city in found
    else:
        assert city in found and not any(i.startswith("iso:SY") for i in found)


@pytest.mark.parametrize(
    ("text", "language", "city"),
    [
        ("Talks resumed in Geneva on Tuesday.", "en", "geonames:2660646"),
        ("Les négociateurs se sont retrouvés à Vienne.", "fr", "geonames:2761369"),
        ("Делегации встретились в Пекине.", "ru", "geonames:1816670"),
        ("Bakan Pekin'de mevkidaşıyla görüştü.", "tr", "geonames:1816670"),
        ("وصل الوفد إلى باريس مساء الاثنين.", "ar", "geonames:2988507"),
    ],
)
def test_world_capitals_in_five_languages(text, language, city, lexicon):
    place = tags(text, lexicon, language)[city]
    assert place.lat is not None and place.country


@pytest.mark.parametrize(
    ("text", "language", "wrong", "cue"),
    [
        ("Jordan Bardella addressed supporters in Perpignan.", "fr", "JO", "Bardella"),
        ("The actress Isis Valverde joins the cast.", "en", "Q2429253", ""),
        ("Barcelona beat Paris 3-2 in the Champions League.", "en", "geonames:2988507", "team"),
        ("A rodeo in Palestine, Texas, drew large crowds.", "en", "PS", "Texas"),
        ("Low water on the Niger river stranded boats.", "en", "NE", "river"),
        ("Serve chicken Kiev with roasted potatoes.", "en", "geonames:703448", "chicken Kiev"),
        ("Того же мнения придерживаются аналитики банка.", "ru", "TG", "start of a sentence"),
        ("Ordu, sınıra yeni birlikler gönderdi.", "tr", "geonames:741100", "start"),
        ("ندوة عن الخليل بن أحمد في دمشق.", "ar", "geonames:285066", "بن"),
    ],
)
def test_names_that_are_not_places_are_rejected_with_their_cue(text, language, wrong, cue, lexicon):
    analysis = analyse_text(text, lexicon, language=language)
    assert wrong not in {t.id for t in analysis.tags}
    reasons = [r.cue for r in analysis.rejections if r.id == wrong]
    assert reasons and cue in " ".join(reasons)


def test_georgia_next_to_atlanta_is_the_us_state(lexicon):
    found = tags("Storms swept across Georgia, leaving Atlanta without power.", lexicon, "en")
    assert "iso:US-GA" in found and "GE" not in found
    assert "GE" in tags("Georgia and Armenia signed a border accord in Tbilisi.", lexicon, "en")


@pytest.mark.parametrize(
    ("text", "language", "city"),
    [
        ("Les pourparlers reprennent lundi à Genève.", "fr", "geonames:2660646"),
        ("Taraflar Cenevre'de yeniden masaya oturdu.", "tr", "geonames:2660646"),
        ("La Cour a rendu son avis à La Haye.", "fr", "geonames:2747373"),
        ("Dava Lahey'deki mahkemede görüldü.", "tr", "geonames:2747373"),
        ("The envoy flew to New York for the Security Council vote.", "en", "geonames:5128581"),
        ("وصل الوفد إلى نيويورك لحضور جلسة مجلس الأمن.", "ar", "geonames:5128581"),
        ("Güvenlik konferansı Münih'te başladı.", "tr", "geonames:2867714"),
        ("Переговоры прошли в Сочи.", "ru", "geonames:491422"),
        ("Le Parlement européen a voté à Strasbourg.", "fr", "geonames:2973783"),
        ("Russian forces shelled Avdiivka and Kostiantynivka overnight.", "en", "geonames:713122"),
        ("Обстрелу подверглись окрестности Константиновки.", "ru", "geonames:705104"),
        ("Удар по Кривому Рогу повредил электросети.", "ru", "geonames:703845"),
        ("قصفت القوات الروسية بلدة أفدييفكا شرق أوكرانيا.", "ar", "geonames:713122"),
        ("Israeli troops raided Tulkarem and Qalqilya at dawn.", "en", "geonames:281577"),
        ("سقطت صواريخ على كريات شمونة في شمال إسرائيل.", "ar", "geonames:293825"),
    ],
)
def test_cities_the_news_names_under_each_languages_own_name(text, language, city, lexicon):
    assert city in tags(text, lexicon, language)


@pytest.mark.parametrize(
    ("text", "language", "wrong"),
    [
        ("The New York Times reported the strike on Tuesday.", "en", "geonames:5128581"),
        ("Ukrainian forces crossed the Dnipro river near Kherson.", "en", "geonames:709930"),
        ("На столе лежал изюм и орехи.", "ru", "geonames:707292"),
        ("نشرت وسائل الإعلام صور الدمار في غزة.", "ar", "geonames:267008"),
        ("قال إن حماة الوطن تصدوا للهجوم على الحاجز.", "ar", "geonames:170017"),
        ("Sur'da sokağa çıkma yasağı ilan edildi.", "tr", "geonames:267008"),  # Diyarbakır's Sur
        ("Ordu, sınır hattına takviye birlikler gönderdi.", "tr", "geonames:741100"),  # the army
        ("Barcelona beat Paris 3-1 in the Champions League match.", "en", "geonames:2988507"),
    ],
)
def test_words_and_names_that_are_not_those_places(text, language, wrong, lexicon):
    assert wrong not in tags(text, lexicon, language)


@pytest.mark.parametrize(
    ("text", "language", "place"),
    [
        # A Turkish case ending after an apostrophe marks a name: not the everyday word
        ("Batman'da düzenlenen operasyonda dört şüpheli gözaltına alındı.", "tr", "iso:TR-72"),
        ("Van'da deprem sonrası arama çalışmaları sürüyor.", "tr", "iso:TR-65"),
        ("Ordu'da sel felaketi yaşandı.", "tr", "geonames:741100"),
        ("Adana'da bir patlama meydana geldi.", "tr", "geonames:325363"),  # still the city
        # a city right after "in/à/в/في" is where a match is played, not a team
        ("Michael Jordan attended a charity match in Chicago.", "en", "geonames:4887398"),
        ("شنت طائرات غارات على مدينة صور جنوب لبنان.", "ar", "geonames:267008"),
        ("اشتباكات عنيفة في ريف حماة الشمالي.", "ar", "geonames:170017"),
    ],
)
def test_names_marked_as_names_or_as_the_place_are_tagged(text, language, place, lexicon):
    assert place in tags(text, lexicon, language)


@pytest.mark.parametrize(
    ("text", "language", "event"),
    [
        ("Thousands rallied in the capital against the government.", "en", "protest"),
        ("Des milliers de personnes ont manifesté dans la capitale.", "fr", "protest"),
        ("تظاهر الآلاف في العاصمة ضد الحكومة.", "ar", "protest"),
        ("The army deployed additional troops to the border.", "en", "military-deployment"),
        ("Путин направил войска в Сирию.", "ru", "military-deployment"),
        ("The US approved the sale of F-16 fighter jets to Turkey.", "en", "arms-transfer"),
        ("Allies promised to deliver five more air defence systems.", "en", "arms-transfer"),
        ("Qatar and Egypt are mediating between the parties.", "en", "mediation"),
        ("Les troupes se sont retirées de la zone contestée.", "fr", "withdrawal"),
        ("Pazar yerinin yakınında bomba yüklü bir araç patladı.", "tr", "bombing"),
        ("سيطر المسلحون على البلدة بعد أسبوع من المعارك.", "ar", "territory-seized"),
    ],
)
def test_events_told_by_who_did_what(text, language, event, lexicon):
    assert event in tags(text, lexicon, language)


@pytest.mark.parametrize(
    ("text", "language", "event"),
    [
        ("Thousands of fans gathered at the stadium for the final.", "en", "protest"),
        ("Oil prices rallied on Monday as supply fears grew.", "en", "protest"),
        ("نشرت الوزارة صورا لقوات الأمن خلال التدريب.", "ar", "military-deployment"),
    ],
)
def test_the_same_verbs_without_their_actors_are_no_event(text, language, event, lexicon):
    assert event not in tags(text, lexicon, language)


@pytest.mark.parametrize(
    ("text", "language", "actor"),
    [
        ("The Rapid Support Forces shelled El Fasher again.", "en", "rasad:rsf"),
        ("اشتبك الجيش السوداني مع قوات الدعم السريع في الخرطوم.", "ar", "rasad:rsf"),
        ("Ahmed al-Sharaa met Erdogan in Ankara.", "en", "rasad:al-sharaa"),
        ("استقبل الرئيس أحمد الشرع وفدا أمريكيا في دمشق.", "ar", "rasad:al-sharaa"),
        ("Les inspecteurs de l'AIEA sont arrivés à Téhéran.", "fr", "rasad:iaea"),
        ("Инспекторы МАГАТЭ посетили станцию.", "ru", "rasad:iaea"),
        ("The ICC issued an arrest warrant on Thursday.", "en", "Q47488"),
        ("Guterres urged both sides to respect the truce.", "en", "Q311440"),
        ("التقى الرئيس محمود عباس وفدا مصريا في رام الله.", "ar", "Q127998"),
        ("Les jihadistes du JNIM ont attaqué un camp militaire.", "fr", "rasad:jnim"),
        ("أطلقت سرايا القدس صواريخ باتجاه المستوطنات.", "ar", "rasad:pij"),
        (
            "Fighters of the Popular Mobilization Forces deployed near the border.",
            "en",
            "rasad:pmf",
        ),
        ("Hemedti said his forces would not withdraw from Darfur.", "en", "rasad:hemedti"),
        ("قال قائد الجيش السوداني عبد الفتاح البرهان إن الحرب ستستمر.", "ar", "rasad:burhan"),
    ],
)
def test_actors_of_todays_reporting(text, language, actor, lexicon):
    assert actor in tags(text, lexicon, language)


@pytest.mark.parametrize(
    ("text", "language", "actor"),
    [
        ("The ICC fined the captain after the cricket match.", "en", "Q47488"),
        (
            "RSF said three journalists were detained, the press freedom group said.",
            "en",
            "rasad:rsf",
        ),
        ("Burhan Altıntop scored twice in the second half.", "en", "rasad:burhan"),
        ("Студент Иван Герасимов выиграл олимпиаду.", "ru", "rasad:gerasimov"),
        ("أقام البرهان على صحة النظرية في المحاضرة.", "ar", "rasad:burhan"),
    ],
)
def test_names_shared_with_other_things_need_their_context(text, language, actor, lexicon):
    assert actor not in tags(text, lexicon, language)


@pytest.mark.parametrize(
    ("text", "language", "found"),
    [
        ("Saldırıda 6 asker öldü.", "tr", True),
        ("Katar arabulucu oldu.", "tr", False),  # "oldu" (became) folds like "öldü" (died)
        ("The death toll rose to 40, officials said.", "en", True),
        ("Le bilan s'élève à douze victimes.", "fr", True),
        ("В результате удара погиб один человек.", "ru", True),
        ("لقي ثلاثة مدنيين حتفهم في القصف.", "ar", True),
    ],
)
def test_casualties_as_reports_write_them(text, language, found, lexicon):
    assert ("casualties" in tags(text, lexicon, language)) is found


@pytest.mark.parametrize(
    ("text", "language", "country"),
    [
        ("Brazilian actress Isis Valverde will play a detective.", "en", "BR"),
        ("Pakistani troops fired across the border.", "en", "PK"),
        ("قصف الجيش الباكستاني مواقع للمسلحين.", "ar", "PK"),
        ("Польские власти закрыли границу.", "ru", "PL"),
        ("Le gouvernement algérien a protesté.", "fr", "DZ"),
        ("Pakistanlı askerler sınırda nöbet tutuyor.", "tr", "PK"),
    ],
)
def test_a_countrys_adjective_names_it(text, language, country, lexicon):
    assert country in tags(text, lexicon, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [("Ships crossed the Indian Ocean.", "en"), ("عبرت السفن المحيط الهندي.", "ar")],
)
def test_the_indian_ocean_is_not_india(text, language, lexicon):
    assert "IN" not in tags(text, lexicon, language)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # a title that holds a country's adjective names the country too
        ("حذر المرشد الإيراني علي خامنئي من أي هجوم.", "ar", {"Q57336", "IR"}),
        ("استقبل ولي العهد السعودي وفدا أمريكيا.", "ar", {"rasad:mbs", "SA"}),
        # one name, two towns: the article's country decides
        (
            "Des missiles ont frappé une base aérienne près de Saki, en Crimée.",
            "fr",
            {"geonames:694910"},
        ),
        ("Gunmen attacked a market in Saki, Oyo State, Nigeria.", "en", {"geonames:2323390"}),
    ],
)
def test_what_a_name_brings_with_it(text, language, expected, lexicon):
    assert expected <= set(tags(text, lexicon, language))
