"""A form file with a mistake is refused at load time, naming the key and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.domain.test_formspec import CHECKS, FIELDS, HEAD, rejects

FIELD_HEAD = FIELDS.split("[[sections.fields]]")[0] + "[[sections.fields]]\n"


def _field(body: str) -> str:
    return HEAD + FIELD_HEAD + body


@pytest.mark.parametrize(("text", "key", "reason"), [
    (HEAD.replace('title = "演示"', "title = 5") + FIELDS, "title", "must be a string"),
    (HEAD.replace('title = "演示"', 'title = ""') + FIELDS, "title", "must not be empty"),
    (HEAD.replace('id = "demo"', 'id = "Demo-1"') + FIELDS, "id", "invalid id 'Demo-1'"),
    (HEAD + "sections = 3\n", "sections", "must be an array of tables"),
    (_field('key = "n"\nlabel = "名称"\ntype = "text"\nrequired = "yes"\n'), "fields.n.required",
     "must be true or false"),
    (_field('key = "n"\nlabel = "名称"\n'), "fields.n.type", "missing"),
    (_field('key = "n"\nlabel = "名称"\ntype = "choice"\nchoices = ["a", ""]\n'), "fields.n.choices",
     "must be a list of non-empty strings"),
    (_field('key = "t"\nlabel = "表"\ntype = "table"\nmin_rows = -1\n[[sections.fields.columns]]\n'
            'key = "c"\nlabel = "列"\ntype = "text"\n'), "fields.t.min_rows",
     "must be a non-negative integer"),
    (_field('key = "t"\nlabel = "表"\ntype = "table"\nmin_rows = 2\nmax_rows = 1\n[[sections.fields.columns]]\n'
            'key = "c"\nlabel = "列"\ntype = "text"\n'), "fields.t.max_rows", "≥ min_rows"),
    (_field('key = "t"\nlabel = "表"\ntype = "table"\n[[sections.fields.columns]]\n'
            'key = "c"\nlabel = "列"\ntype = "table"\n'), "fields.t.columns[0]",
     "tables cannot be nested"),
    (_field('key = "n"\nlabel = "名称"\ntype = "text"\nrequired_when = ["x"]\n'), "fields.n.required_when",
     "must be a table"),
    (HEAD + CHECKS.replace('key = "1.1"', 'key = "1 1"'), "sections.checks.groups.1.items[0].key",
     "invalid item key '1 1'"),
    (HEAD + CHECKS.replace('note_required_on = ["发现问题"]\n', "").replace('note_label = "检查发现问题及处置意见"\n', "")
     .replace('content = "许可证书标注的相关内容是否与实际一致"', 'content = "x"\nnote_required_on = ["发现问题"]'),
     "items.1.1", "note_required_on without note_label"),
    (HEAD + CHECKS + '\n[[sections.groups]]\nkey = "1"\ntitle = "again"\n[[sections.groups.items]]\nkey = "1.2"\ncontent = "y"\n',
     "sections.checks.groups[1].key", "duplicate group key '1'"),
])
def test_mistakes_are_refused(tmp_path: Path, text: str, key: str, reason: str) -> None:
    rejects(tmp_path, text, key, reason)


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "demo.toml"
    p.write_bytes((HEAD + FIELDS).encode("gbk"))
    from qsdesk.domain.formspec import FormSpecError, load_form

    with pytest.raises(FormSpecError) as info:
        load_form(p)
    assert info.value.key == "file" and "not UTF-8" in info.value.reason
