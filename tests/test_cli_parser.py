"""The ``campaign-me`` argument parser: every command is listed and described, whichever is run.

The parser adds the arguments of a command only when that command runs (so that a light command
does not import what the others need to describe their options); these tests check that nothing
is lost by it.
"""

from __future__ import annotations

import pytest

from campaign_me.cli import COMMANDS, build_parser, main

REPORT_COMMANDS = ("report", "batch", "notebooks", "synthesis")


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    return capsys.readouterr().out


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    out = _help(["--help"], capsys)
    for name in (*COMMANDS, *REPORT_COMMANDS):
        assert f"    {name} " in out, name


@pytest.mark.parametrize("command", [*COMMANDS, *REPORT_COMMANDS])
def test_each_command_describes_its_own_options(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = _help([command, "--help"], capsys)
    assert out.startswith(f"usage: campaign-me {command} [-h]")
    full = build_parser()  # every command with all its arguments
    sub = next(a for a in full._actions if a.dest == "command").choices[command]
    assert out == sub.format_help()  # the same help as the parser built with everything


def test_unknown_command_names_all_the_others(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["valdate", "x.csv"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'valdate'" in err and "'validate'" in err and "'synthesis'" in err


def test_options_of_a_command_are_parsed_as_before() -> None:
    args = build_parser("synth").parse_args(["synth", "--seed", "7", "--country", "aroland", "--force"])
    assert (args.seed, args.country, args.force, args.out) == (7, ["aroland"], True, "data/samples")
    args = build_parser().parse_args(["sample-size", "--p", "0.3", "--deff", "2"])
    assert (args.p, args.deff, args.margin) == (0.3, 2.0, None)
