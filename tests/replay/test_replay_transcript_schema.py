"""A file that is not a valid transcript exits 2 with a message naming the key and why.

No servers are needed: every file is validated before anything starts, and a run whose files are
all invalid never starts the replay environment.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.devtools.replay.loading import check_files, load_transcript, parse_transcript
from bot.devtools.replay.report import EXIT_INVALID
from bot.devtools.replay.runner import replay_paths
from bot.devtools.replay.transcript import TranscriptError
from scripts import replay_conversation

VALID: dict[str, Any] = {
    "name": "a valid transcript",
    "sellers": {"ana": {"telegram_id": 1001, "name": "Ana", "language": "es"}},
    "buyers": {"luis": {"telegram_id": 2001}},
    "products": {"iphone": {"seller": "ana", "title": "iPhone 13 Pro", "price": 650,
                            "min_price": 560}},
    "turns": [
        {"buyer": "luis", "open": "iphone", "says": "Hola",
         "expect": {"reply_contains": ["iPhone"], "offer": {"amount": "none"}}},
        {"seller": "ana", "photo": {"width": 800, "height": 600}, "caption": "Vendo bici, 350€",
         "expect": {"product": {"as": "bike", "status": "ready", "price": 350}}},
        {"buyer": "luis", "open": "bike", "says": 300, "advance": "2h"},
    ],
    "final": {"products": {"bike": {"status": "ready"}}},
}


def mutated(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    change(data)
    return data


def test_the_valid_example_parses_with_typed_values() -> None:
    transcript = parse_transcript(copy.deepcopy(VALID))
    assert transcript.turns[2].says == "300"  # a YAML number is what the person typed
    assert transcript.turns[2].duration is not None
    assert transcript.turns[2].duration.total_seconds() == 7200
    assert transcript.turns[0].expect is not None
    assert transcript.turns[0].expect.offer is not None
    assert transcript.turns[0].expect.offer.amount == "none"
    assert transcript.turns[0].expect.offer.by == "buyer"


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["turns"][0]["expect"].update(offr={}), "turns[1].expect.offr: unknown key"),
    (lambda d: d.update(modle="offline"), "modle: unknown key"),
    (lambda d: d.pop("name"), "name: required"),
    (lambda d: d["turns"][0].update(seller="ana"), "turns[1]: a turn needs exactly one actor"),
    (lambda d: d["turns"][0].update(open="nope"), "turns[1].open: 'nope' is not a product"),
    (lambda d: d["turns"][0].update(buyer="pepe"), "turns[1].buyer: 'pepe' is not one of"),
    (lambda d: d["turns"][2].update(advance="2 weeks"), "turns[3].advance: '2 weeks' is not a"),
    (lambda d: d["turns"][0].update(llm=[{"text": "hi"}]), "turns[1].llm: only with model"),
    (lambda d: d["turns"][0]["expect"].update(offer={"amount": "lots"}),
     "turns[1].expect.offer.amount: 'lots' is not an amount"),
    (lambda d: d["turns"][0]["expect"].update(reply_matches="(unclosed"),
     "turns[1].expect.reply_matches: not a valid regular expression"),
    (lambda d: d["turns"][1].update(photo={"width": 800}), "turns[2].photo.height: required"),
    (lambda d: d["turns"][0].update(caption="no photo"), "turns[1]: caption needs photo"),
    (lambda d: d["turns"][0]["expect"].update(product={"as": "x"}),
     "turns[1].expect.product.as: only in a seller's turn"),
    (lambda d: d["products"]["iphone"].update(min_price=700),
     "products.iphone.min_price: must not exceed price"),
    (lambda d: d["buyers"]["luis"].update(telegram_id=1001),
     "buyers.luis.telegram_id: 1001 is also ana's"),
    (lambda d: d["final"]["products"].update(ghost={"status": "sold"}),
     "final.products.ghost: not a product"),
    (lambda d: d["turns"][0]["expect"].update(notifies={"nobody": ["x"]}),
     "turns[1].expect.notifies.nobody: not one of the actors"),
    (lambda d: d["turns"][0]["expect"].update(no_reply=True),
     "turns[1].expect: no_reply: true contradicts"),
    (lambda d: d["turns"][0].update(sends="gif"), "turns[1].sends: Input should be"),
    (lambda d: d.update(settings={"rate_limit_per_actor": 0}),
     "settings.rate_limit_per_actor: Input should be greater than or equal to 1"),
])
def test_invalid_transcripts_name_the_key(change: Any, message: str) -> None:
    with pytest.raises(TranscriptError) as error:
        parse_transcript(mutated(change))
    assert str(error.value).startswith(message) or message in str(error.value), str(error.value)


def test_yaml_problems_are_invalid_transcripts(tmp_path: Path) -> None:
    twice = tmp_path / "twice.yaml"
    twice.write_text("name: a\nname: b\nturns: []\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match="key 'name' is given twice"):
        load_transcript(twice)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nturns:\n  - buyer: luis\n    says: a: b\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match="line 4: not valid YAML"):
        load_transcript(broken)


def test_a_photo_path_must_exist_next_to_the_transcript(tmp_path: Path) -> None:
    data = mutated(lambda d: d["turns"][1].update(photo="bike.jpg"))
    path = tmp_path / "photo.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"turns\[2\].photo: no file 'bike.jpg'"):
        check_files(load_transcript(path), path)
    (tmp_path / "bike.jpg").write_bytes(b"\xff\xd8\xff")
    check_files(load_transcript(path), path)


async def test_only_invalid_files_never_start_the_environment(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(mutated(lambda d: d.pop("turns"))),
                                       encoding="utf-8")

    def environment() -> Any:
        raise AssertionError("the servers must not start for invalid files")

    report = await replay_paths([tmp_path], environment)
    assert report.exit_status == EXIT_INVALID
    assert report.files[0].status == "invalid"
    assert report.files[0].error == "turns: required"


def test_the_cli_exits_2_naming_file_and_key(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "typo.yaml"
    bad.write_text(yaml.safe_dump(mutated(lambda d: d["turns"][0].update(sayz="hola"))),
                   encoding="utf-8")
    assert replay_conversation.main([str(bad)]) == 2
    out = capsys.readouterr().out
    assert f"INVALID {bad}: turns[1].sayz: unknown key" in out
    assert "0 passed, 0 failed, 1 invalid" in out


def test_the_cli_json_report_for_an_invalid_file(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import json

    missing = tmp_path / "missing.yaml"
    assert replay_conversation.main(["--json", str(missing)]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["exit_status"] == 2
    assert report["summary"] == {"files": 1, "passed": 0, "failed": 0, "invalid": 1,
                                 "failures": 0}
    [entry] = report["files"]
    assert entry["status"] == "invalid" and entry["file"] == str(missing)
    assert entry["error"].startswith("cannot read the file")
