"""The matcher on a people data set like a CDP's: who is the same customer (DuckDB).

A few hundred synthetic Russian customers, each seen one to three times, written in Cyrillic
or in one of its Latin spellings (Николай / Nikolay / Nikolai), with typos, swapped name
fields, shifted or missing birth dates, E.164 phones (as the caller normalises them) and
sometimes an email; some relatives share a surname, a phone and a city, and must stay apart.
``test_matching_backends`` runs the same on Spark.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import date, timedelta

import pytest

from omniweave.identity.matching import (
    Band,
    DerivedColumn,
    LinkType,
    Matcher,
    Settings,
    Transform,
)
from omniweave.identity.matching import library as cl

FIRST = {
    "Николай": ("Nikolay", "Nikolai"),
    "Александр": ("Aleksandr", "Alexander"),
    "Дмитрий": ("Dmitriy", "Dmitry"),
    "Сергей": ("Sergey", "Sergei"),
    "Андрей": ("Andrey", "Andrei"),
    "Алексей": ("Aleksey", "Alexey"),
    "Иван": ("Ivan",),
    "Михаил": ("Mikhail",),
    "Павел": ("Pavel",),
    "Юрий": ("Yuriy", "Yury"),
    "Мария": ("Mariya", "Maria"),
    "Анна": ("Anna",),
    "Елена": ("Elena", "Yelena"),
    "Ольга": ("Olga",),
    "Татьяна": ("Tatyana", "Tatiana"),
    "Наталья": ("Natalya", "Natalia"),
    "Ирина": ("Irina",),
    "Екатерина": ("Ekaterina", "Yekaterina"),
    "Юлия": ("Yuliya", "Yulia"),
    "Светлана": ("Svetlana",),
}
MALE = set(list(FIRST)[:10])
SURNAMES = {
    "Иванов": ("Ivanov",),
    "Смирнов": ("Smirnov",),
    "Кузнецов": ("Kuznetsov",),
    "Попов": ("Popov",),
    "Васильев": ("Vasilyev", "Vasiliev"),
    "Петров": ("Petrov",),
    "Соколов": ("Sokolov",),
    "Михайлов": ("Mikhaylov", "Mikhailov"),
    "Новиков": ("Novikov",),
    "Фёдоров": ("Fedorov", "Fyodorov"),
    "Морозов": ("Morozov",),
    "Волков": ("Volkov",),
    "Алексеев": ("Alekseev", "Alexeev"),
    "Лебедев": ("Lebedev",),
    "Семёнов": ("Semenov", "Semyonov"),
    "Егоров": ("Egorov", "Yegorov"),
    "Павлов": ("Pavlov",),
    "Козлов": ("Kozlov",),
    "Степанов": ("Stepanov",),
    "Николаев": ("Nikolaev", "Nikolayev"),
    "Орлов": ("Orlov",),
    "Андреев": ("Andreev", "Andreyev"),
    "Макаров": ("Makarov",),
    "Захаров": ("Zakharov",),
    "Зайцев": ("Zaytsev", "Zaitsev"),
    "Соловьёв": ("Solovyov", "Soloviev"),
    "Борисов": ("Borisov",),
    "Яковлев": ("Yakovlev",),
    "Григорьев": ("Grigoryev", "Grigoriev"),
    "Романов": ("Romanov",),
}
CITIES = ("Москва", "Санкт-Петербург", "Казань", "Новосибирск", "Екатеринбург", "Самара")
DOMAINS = ("mail.ru", "yandex.ru", "gmail.com")


def typo(text: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(text) - 1)
    kind = rng.choice(("drop", "swap", "double"))
    if kind == "drop":
        return text[:i] + text[i + 1 :]
    if kind == "swap":
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i] + text[i:]


def spell(cyrillic: str, latin: tuple[str, ...], feminine: bool, rng: random.Random) -> str:
    if rng.random() < 0.5:
        name = cyrillic + ("а" if feminine else "")
    else:
        name = rng.choice(latin) + ("a" if feminine else "")
    return typo(name, rng) if rng.random() < 0.2 else name


def people(count: int = 200, seed: int = 11) -> tuple[list[dict], set[frozenset[str]]]:
    """Records and the true pairs (records of the same person)."""
    rng = random.Random(seed)
    persons = []
    for k in range(count):
        family = persons[-1] if persons and rng.random() < 0.15 else None
        first = rng.choice([f for f in FIRST if not family or f != family["first"]])
        surname = family["surname"] if family else rng.choice(list(SURNAMES))
        persons.append(
            {
                "id": f"p{k}",
                "first": first,
                "surname": surname,
                "feminine": first not in MALE,
                "born": date(1950, 1, 1) + timedelta(days=rng.randrange(20000)),
                "phone": family["phone"] if family else f"+79{rng.randrange(10**9):09d}",
                "mobile": f"+79{rng.randrange(10**9):09d}",
                "city": family["city"] if family else rng.choice(CITIES),
                "email": f"{FIRST[first][0]}.{k}@{rng.choice(DOMAINS)}".lower(),
            }
        )
    records, by_person = [], {}
    for person in persons:
        for n in range(rng.choice((1, 1, 2, 2, 3))):
            first = spell(person["first"], FIRST[person["first"]], False, rng)
            last = spell(person["surname"], SURNAMES[person["surname"]], person["feminine"], rng)
            if rng.random() < 0.05:
                first, last = last, first
            born = person["born"]
            if rng.random() < 0.1:
                born += timedelta(days=rng.choice((-1, 1, 30, 365)))
            phones = [p for p in (person["phone"], person["mobile"]) if rng.random() < 0.6]
            record_id = f"{person['id']}-{n}"
            records.append(
                {
                    "record_id": record_id,
                    "first_name": first,
                    "last_name": last,
                    "birth_date": None if rng.random() < 0.08 else born.isoformat(),
                    "phones": phones or None,
                    "city": person["city"] if rng.random() < 0.9 else rng.choice(CITIES),
                    "email": person["email"] if rng.random() < 0.4 else None,
                }
            )
            by_person.setdefault(person["id"], []).append(record_id)
    truth = {frozenset((a, b)) for ids in by_person.values() for a in ids for b in ids if a < b}
    return records, truth


def settings(link_type: LinkType = LinkType.DEDUPE_ONLY) -> Settings:
    return Settings(
        unique_id="record_id",
        link_type=link_type,
        derived=(
            DerivedColumn("first_key", "first_name", Transform.NAME_KEY),
            DerivedColumn("last_key", "last_name", Transform.NAME_KEY),
        ),
        comparisons=(
            cl.name("first_key", swapped_with="last_key"),
            cl.name("last_key", swapped_with="first_key"),
            cl.date_of_birth("birth_date", date_format="%Y-%m-%d"),
            cl.shared_elements("phones"),
            cl.exact("email"),
            cl.exact("city", term_frequency=True),
        ),
        blocking_rules=(
            "l.first_key = r.first_key",
            "substr(l.last_key, 1, 3) = substr(r.last_key, 1, 3)",
            "l.birth_date = r.birth_date",
            "l.email = r.email",
        ),
        u_sample_pairs=20_000,
    )


@pytest.fixture(scope="module")
def data() -> tuple[list[dict], set[frozenset[str]]]:
    return people()


@pytest.fixture(scope="module")
def linked(data):
    records, _ = data
    matcher = Matcher(settings())
    params = matcher.train(records, seed=5)
    return matcher, params, matcher.predict(records, params)


def pair_set(pairs, threshold: float) -> set[frozenset[str]]:
    return {
        frozenset((row["id_l"], row["id_r"]))
        for row in pairs.to_pylist()
        if row["match_probability"] >= threshold
    }


def assert_quality(pairs, truth) -> None:
    bands = settings().bands
    merged = pair_set(pairs, bands.auto_merge)
    assert len(merged & truth) / len(merged) >= 0.98  # an automatic merge is almost never wrong
    reviewed = pair_set(pairs, bands.review)  # merged, or put in front of a person
    # the rest differ in nearly every field: no model should link them
    assert len(reviewed & truth) / len(truth) >= 0.85


def test_links_the_same_person_across_scripts_and_typos(linked, data):
    _, truth = data
    _, params, pairs = linked
    assert_quality(pairs, truth)
    assert params.em_converged


def test_each_decision_is_explained_by_its_weights(linked):
    matcher, params, pairs = linked
    names = [c.name for c in matcher.settings.comparisons]
    prior = math.log2(params.prior / (1 - params.prior))
    for row in pairs.slice(0, 200).to_pylist():
        total = prior + sum(row[f"weight_{n}"] for n in names)
        assert math.isclose(row["match_weight"], total, abs_tol=1e-9)
        assert math.isclose(row["match_probability"], 2**total / (1 + 2**total), abs_tol=1e-9)
        for n in names:
            gamma = row[f"gamma_{n}"]
            if gamma == -1:
                assert row[f"weight_{n}"] == 0


def test_a_shared_family_phone_does_not_merge_two_people(linked, data):
    records, truth = data
    matcher, _, pairs = linked
    by_id = {r["record_id"]: r for r in records}
    family_pairs = [
        row
        for row in pairs.to_pylist()
        if frozenset((row["id_l"], row["id_r"])) not in truth
        and set(by_id[row["id_l"]]["phones"] or ()) & set(by_id[row["id_r"]]["phones"] or ())
    ]
    assert len(family_pairs) >= 10, "the data should hold relatives who share a phone"
    bands = Counter(matcher.settings.bands.band(row["match_probability"]) for row in family_pairs)
    assert bands[Band.MERGE] == 0, bands
    assert bands[Band.APART] >= 0.6 * len(family_pairs), bands  # most need no review either


def test_pairs_split_into_merge_review_and_apart(linked):
    matcher, _, pairs = linked
    split = matcher.by_band(pairs)
    assert sum(t.num_rows for t in split.values()) == pairs.num_rows
    assert min(split[Band.MERGE]["match_probability"].to_pylist()) >= 0.99
    review = split[Band.REVIEW]["match_probability"].to_pylist()
    assert review and all(0.8 <= p < 0.99 for p in review)
    assert max(split[Band.APART]["match_probability"].to_pylist()) < 0.8


def test_predict_filters_by_threshold_and_clusters_group_people(linked, data):
    matcher, params, all_pairs = linked
    records, truth = data
    strong = matcher.predict(records, params, threshold=0.99)
    assert 0 < strong.num_rows < all_pairs.num_rows
    assert min(strong["match_probability"].to_pylist()) >= 0.99
    groups = matcher.clusters(strong, 0.99)
    by_id = {r["record_id"]: r for r in records}
    assert all(len({member.split("-")[0] for member in group}) == 1 for group in groups)
    mixed_scripts = [
        group
        for group in groups
        if len({by_id[m]["first_name"].isascii() for m in group}) == 2  # Cyrillic and Latin
    ]
    assert len(mixed_scripts) >= 5


def test_link_only_pairs_records_of_two_sources(data):
    records, truth = data
    crm = [r for r in records if r["record_id"].endswith("-0")]
    shop = [r for r in records if not r["record_id"].endswith("-0")]
    matcher = Matcher(settings(LinkType.LINK_ONLY))
    params = matcher.train((crm, shop), seed=5)
    pairs = matcher.predict((crm, shop), params, threshold=0.9)
    crm_ids = {r["record_id"] for r in crm}
    assert set(pairs["id_l"].to_pylist()) <= crm_ids
    assert not set(pairs["id_r"].to_pylist()) & crm_ids
    found = pair_set(pairs, 0.0)
    across = {p for p in truth if len(p & crm_ids) == 1}
    assert len(found & across) / len(across) >= 0.85
    assert len(found & across) / len(found) >= 0.95
    groups = matcher.clusters(pairs, 0.9)
    assert all(side in (0, 1) for group in groups for side, _ in group)


def test_same_seed_same_model_other_seed_close_model(data):
    records, _ = data
    first = Matcher(settings()).train(records, seed=5)
    again = Matcher(settings()).train(records, seed=5)
    other = Matcher(settings()).train(records, seed=6)
    # equal up to the order of parallel float sums
    assert math.isclose(first.prior, again.prior, rel_tol=1e-9)
    assert all(
        math.isclose(a.m, b.m, abs_tol=1e-9) and a.u == b.u
        for a, b in zip(first.levels, again.levels, strict=True)
    )
    assert math.isclose(first.prior, other.prior, rel_tol=0.2)
    assert [a.u for a in first.levels] != [a.u for a in other.levels]


def test_refuses_empty_or_unpaired_input(data):
    records, _ = data
    with pytest.raises(ValueError):
        Matcher(settings()).train([])
    with pytest.raises(ValueError):
        Matcher(settings(LinkType.LINK_ONLY)).train(records)
