"""Every command documents itself, and `--help` stays instant (no model import)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from qa.cli import build_parser, main

COMMANDS = ["turns", "index", "ask", "align", "eval", "bench"]


def test_every_command_is_listed():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert sorted(sub.choices) == sorted(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: qa {command}" in out and len(out.splitlines()) > 4


def test_help_does_not_import_the_model():
    code = "import sys; from qa.cli import main\ntry:\n main(['ask','--help'])\nexcept SystemExit: pass\n" \
           "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules and 'gradio' not in sys.modules"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out
