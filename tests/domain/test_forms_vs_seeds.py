"""Every form spec against the text of the annex it transcribes.

The annex texts in tests/data/seeds/ are verbatim extracts of the seed documents (see the README
there). For each form the test walks the spec in order — title, section titles, printed field
labels and their choices, checklist group numbers and titles, item numbers, item contents,
answer boxes, notes — and finds each string in the annex text after the previous one. A reworded
or reordered item is not found. Conversely, everything it found is then cut out of the annex
text; what is left must be layout only (table headers, blanks, punctuation), so an item or a
choice missing from the spec leaves words behind and fails.

Comparison ignores whitespace (the extracted text wraps cells and spaces out Latin letters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from qsdesk.domain.formspec import Field, FormSpec, load_form

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "data" / "seeds"
FORMS = ROOT / "forms"

# 国市监质监发〔2023〕38号 附件2 (producer row 6) prints two traditional characters in otherwise
# simplified text (關鍵, 部門); the form uses the simplified ones, as the district version does.
_FOLD = str.maketrans({"關": "关", "鍵": "键", "門": "门"})


def norm(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(_FOLD)


def seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def spec(form_id: str) -> FormSpec:
    return load_form(FORMS / f"{form_id}.toml")


@dataclass
class Matcher:
    """Finds spec strings in order in a normalised annex text and remembers what it used."""

    text: str
    cursor: int = 0
    spans: list[tuple[int, int]] = field(default_factory=list)

    def find(self, s: str, start: int | None = None, *, advance: bool = True, what: str = "") -> int:
        needle = norm(s)
        assert needle, f"empty string in spec ({what})"
        frm = self.cursor if start is None else start
        pos = self.text.find(needle, frm)
        assert pos >= 0, (
            f"{what or 'text'} {s!r} not found in the annex after …{self.text[max(0, frm - 30) : frm]!r}"
            f" (next: {self.text[frm : frm + 60]!r})"
        )
        self.spans.append((pos, pos + len(needle)))
        if advance:
            self.cursor = pos + len(needle)
        return pos + len(needle)

    def try_find(self, s: str, start: int) -> tuple[int, int] | None:
        pos = self.text.find(norm(s), start)
        return None if pos < 0 else (pos, pos + len(norm(s)))

    def residue(self) -> str:
        keep = [True] * len(self.text)
        for a, b in self.spans:
            for i in range(a, b):
                keep[i] = False
        return "".join(c if k else "\x00" for c, k in zip(self.text, keep, strict=True))


def _choice_hit(m: Matcher, choice: str, start: int) -> tuple[int, int] | None:
    """Choices are printed as "□选项" where the annex has boxes, else as plain words."""
    boxed, plain = m.try_find("□" + choice, start), m.try_find(choice, start)
    if boxed and plain and plain[0] < boxed[0]:
        return plain
    return boxed or plain


def _find_choices(m: Matcher, choices: tuple[str, ...], start: int, what: str) -> int:
    sub = start
    for c in choices:
        hit = _choice_hit(m, c, sub)
        assert hit is not None, f"choice {c!r} of {what} not found in the annex"
        m.spans.append(hit)
        sub = hit[1]
    return sub


def _column_pass(m: Matcher, columns: tuple[Field, ...], start: int) -> list[tuple[int, int]] | None:
    spans: list[tuple[int, int]] = []
    sub = start
    for col in columns:
        if col.label_printed:
            hit = m.try_find(col.label, sub)
            if hit is None:
                return None
            spans.append(hit)
            sub = hit[1]
        for c in col.choices:
            hit = _choice_hit(m, c, sub)
            if hit is None:
                return None
            spans.append(hit)
            sub = hit[1]
    return spans


def walk(spec: FormSpec, text: str, *, item_numbers: bool, answer_boxes: bool) -> Matcher:
    m = Matcher(norm(text))
    m.find(spec.title, what="title")
    if spec.subtitle:
        m.find(spec.subtitle, what="subtitle")
    for section in spec.sections:
        if section.number:
            m.find(section.number, what=f"number of section {section.key}")
        if section.title_printed:
            m.find(section.title, what=f"title of section {section.key}")
        if section.note:
            m.find(section.note, what=f"note of section {section.key}")
        if section.items and section.items[0].note_label and answer_boxes:
            m.find(section.items[0].note_label, what="note column header")
        for f in section.fields:
            start = m.cursor
            if f.label_printed:
                start = m.find(f.label, what=f"label of field {f.key}")
            if f.placeholder:
                m.find(f.placeholder, what=f"placeholder of field {f.key}")
            if f.help:
                m.find(f.help, what=f"help of field {f.key}")
            _find_choices(m, f.choices, start, f"field {f.key}")
            if f.columns:
                first = _column_pass(m, f.columns, start)
                assert first is not None, f"columns of {f.key} not found in order in the annex"
                m.spans.extend(first)
                # The annex prints a few blank rows of a repeating table: consume the repeats.
                while f.type == "table" and (again := _column_pass(m, f.columns, m.spans[-1][1])):
                    m.spans.extend(again)
        for _group, number, title, items in section.groups():
            m.find(number, what=f"number of group {title}")
            m.find(title, what=f"title of group {number}")
            for it in items:
                if item_numbers:
                    m.find(it.number, what=f"number of item {it.key}")
                m.find(it.content, what=f"content of item {it.key}")
                if answer_boxes:
                    for a in it.answers:
                        m.find("□" + a, what=f"answer {a!r} of item {it.key}")
    if spec.notes_title:
        m.find(spec.notes_title, what="notes title")
    for n in spec.notes:
        m.find(n, what="note")
    return m


def assert_only_layout(m: Matcher, layout: list[str]) -> None:
    rest = m.residue()
    for token in layout:
        t = norm(token)
        assert t in rest, f"layout token {token!r} not in the residue (stale allowance?)"
        rest = rest.replace(t, "\x00")
    leftover = re.sub(r"[\x00\d□；;（）()/：:、，,。.．…\-_|【】]", "", rest)
    assert leftover == "", f"annex text not covered by the spec: {re.sub(chr(0) + '+', ' | ', rest)!r}"


# Table headers, page numbers and blanks the annexes print that are not inputs.
LAYOUT = {
    "annex3_census": ["附件"],
    "annex4_producer": ["附件", "序号检查项目检查内容检查结果", "年月日"],
    "annex5_seller": ["附件", "序号检查项目检查内容检查结果", "年月日"],
    "annex6_risk": ["附件"],
    "task_producer": [
        "附件",
        "（模板）",
        "年月日",
        "层级对应",
        "级主体",
        "序号重点工作具体任务结果备注",
    ],
    "task_seller": [
        "（模板）",
        "年月日",
        "级对应",
        "级主体",
        "序号重点工作具体任务结果备注",
    ],
}

CASES = [
    ("annex3_census", "annex3_census.txt", False, False),
    ("annex4_producer", "annex4_producer.txt", False, True),
    ("annex5_seller", "annex5_seller.txt", False, True),
    ("annex6_risk", "annex6_risk.txt", False, False),
    ("task_producer", "task_producer_001.txt", True, False),
    ("task_seller", "task_seller_001.txt", True, False),
]


@pytest.mark.parametrize(("form_id", "seed_file", "item_numbers", "answer_boxes"), CASES)
def test_spec_matches_annex_in_order_and_covers_it(
    form_id: str, seed_file: str, item_numbers: bool, answer_boxes: bool
) -> None:
    s = spec(form_id)
    m = walk(s, seed(seed_file), item_numbers=item_numbers, answer_boxes=answer_boxes)
    assert_only_layout(m, LAYOUT[form_id])


#: Forms whose annex text interleaves group titles with items (checked by their own test below).
OWN_TESTS = {"duty_check"}


def test_every_form_has_a_seed_case() -> None:
    assert {p.stem for p in FORMS.glob("*.toml") if ".v" not in p.name} == {c[0] for c in CASES} | OWN_TESTS


def test_duty_check_matches_annex3() -> None:
    """国市监质监发〔2023〕38号 附件3 督查清单: every task with its number, in order; each matter's title
    (printed in pieces between the tasks) once the tasks are taken out; the header cells."""
    s = spec("duty_check")
    text = norm(seed("duty_check_001.txt"))
    rest = text
    cursor = 0
    for it in s.items():
        piece = norm(it.number + it.content)
        pos = text.find(piece, cursor)
        assert pos >= 0, f"task {it.key} not found in order"
        cursor = pos + len(piece)
        rest = rest.replace(piece, "", 1)
    cursor = 0
    for _g, number, title, _items in s.sections[1].groups():
        pos = rest.find(norm(number + title), cursor)
        assert pos >= 0, f"matter {number} {title} not found in order"
        cursor = pos
    head = rest[: rest.find("督查内容")]
    for f in s.fields():
        assert norm(f.label + (f.help or "")) in head
    assert "编号督查事项具体任务是否落实亮点成效" in rest
    assert [it.answers for it in s.items()] == [("是", "否")] * 17
    assert {it.note_label for it in s.items()} == {"亮点成效"}


@pytest.mark.parametrize("form_id", ["annex4_producer", "annex5_seller"])
def test_inspection_answer_boxes_per_item(form_id: str) -> None:
    """Each item offers exactly the boxes printed between it and the next item."""
    s = spec(form_id)
    text = norm(seed(f"{form_id}.txt"))
    items = list(s.items())
    positions = []
    cursor = 0
    for it in items:
        pos = text.find(norm(it.content), cursor)
        assert pos >= 0, it.key
        cursor = pos + len(norm(it.content))
        positions.append((pos, cursor))
    end = text.find(norm("其它需要说明的情况"), cursor)
    for i, it in enumerate(items):
        stop = positions[i + 1][0] if i + 1 < len(items) else end
        between = text[positions[i][1] : stop]
        boxes = tuple(re.findall(r"□(发现问题|未发现问题|本条不适用)", between))
        assert boxes == it.answers, f"{form_id} item {it.key}: annex offers {boxes}, spec {it.answers}"
        assert it.note_required_on == ("发现问题",)
        assert it.note_label == "检查发现问题及处置意见"


@pytest.mark.parametrize(
    ("form_id", "expected"),
    [
        ("annex4_producer", {"1": 5, "2": 2, "3": 3, "4": 2, "5": 4, "6": 2}),
        ("annex5_seller", {"1": 1, "2": 5, "3": 4, "4": 2}),
        ("task_producer", {"1": 6, "2": 5, "3": 5, "4": 3, "5": 2}),
        ("task_seller", {"1": 6, "2": 5, "3": 4, "4": 2}),
    ],
)
def test_item_counts_per_group(form_id: str, expected: dict[str, int]) -> None:
    counts: dict[str, int] = {}
    for it in spec(form_id).items():
        counts[it.group] = counts.get(it.group, 0) + 1
    assert counts == expected


_TASK_NO = re.compile(r"(?<![\d.．])(\d+\.\d+)(?![\d])")


@pytest.mark.parametrize(
    ("form_id", "seed_files"),
    [
        ("task_producer", ["task_producer_001.txt", "task_producer_002.txt"]),
        ("task_seller", ["task_seller_001.txt", "task_seller_002.txt"]),
    ],
)
def test_task_numbers_match_both_versions(form_id: str, seed_files: list[str]) -> None:
    """Every numbered task of the national template and of the district version is in the spec,
    in order, with the same wording (the district text drops the final 。 of most tasks)."""
    s = spec(form_id)
    items = list(s.items())
    for name in seed_files:
        text = norm(seed(name))
        assert _TASK_NO.findall(text) == [it.number for it in items], name
        cursor = 0
        for it in items:
            head = norm(f"{it.number}{it.content}").rstrip("。")
            pos = text.find(head, cursor)
            assert pos >= 0, f"{name}: task {it.number} {it.content!r} not found"
            cursor = pos + len(head)
        risk = s.section("risk_points")
        assert risk.note is not None
        assert norm(risk.note).rstrip("。") in text, name


def test_task_answers_and_risk_rows() -> None:
    for form_id in ("task_producer", "task_seller"):
        s = spec(form_id)
        for it in s.items():
            assert it.answers == ("√", "×")
            assert it.note_label == "备注"
            assert it.note_suffices
        table = s.field("risk_points")
        assert table.type == "table"
        assert table.columns[1].choices == ("√", "×")


def test_seven_overall_results_and_annex_notes() -> None:
    for form_id, party in (("annex4_producer", "生产者"), ("annex5_seller", "销售者")):
        s = spec(form_id)
        assert len(s.field("result").choices) == 7
        assert s.field("opinion").choices == ("同意", "有异议")
        assert s.field("opinion").label == f"{party}意见"
        assert len(s.notes) == 4
        assert s.field("inspectors").min_rows == 2


def test_risk_sources_are_nine_and_multiple() -> None:
    f = spec("annex6_risk").field("sources")
    assert f.type == "multichoice" and f.multiple
    assert len(f.choices) == 9


def test_only_known_inputs_lack_a_printed_label() -> None:
    """An input the annex prints no label for must be on this list, so a mislabelled field cannot
    escape the seed comparison by being marked unprinted."""
    unprinted = {
        form_id: sorted(
            [f.key for f in spec(form_id).fields() if not f.label_printed]
            + [f"{f.key}.{c.key}" for f in spec(form_id).fields() for c in f.columns if not c.label_printed]
        )
        for form_id, *_ in CASES
    }
    inspection = ["attachments", "inspector_signatures", "opinion_text"]
    task = ["grade", "risk_points", "risk_points.item", "risk_points.remark", "risk_points.result"]
    assert unprinted == {
        "annex3_census": ["products", "products.licence_type"],
        "annex4_producer": inspection,
        "annex5_seller": inspection,
        "annex6_risk": [],
        "task_producer": task,
        "task_seller": task,
    }


@pytest.mark.parametrize("form_id", [c[0] for c in CASES])
def test_item_keys_are_group_dot_position(form_id: str) -> None:
    s = spec(form_id)
    for section in s.sections:
        for n, (group, number, _title, items) in enumerate(section.groups(), start=1):
            assert group == number == str(n)
            assert [it.key for it in items] == [f"{group}.{i}" for i in range(1, len(items) + 1)]
