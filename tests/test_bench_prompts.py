"""The benchmarks' prompts: soulterm.player.bench's add_prompt_arguments and chosen_prompts, through
prompts_from_command_line, which the prompt-only benchmarks call."""

from __future__ import annotations

import sys
from unittest import mock

from soulterm.player.bench import EVERYDAY_PROMPTS, prompts_from_command_line


def parsed(*argv):
    with mock.patch.object(sys, "argv", ["a_benchmark.py", *argv]):
        return prompts_from_command_line("a benchmark")


def test_the_texts_then_the_everyday_prompts_then_the_files_in_that_order(tmp_path):
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("# a comment\n\n  good night  \nwho are you\n", encoding="utf-8")
    assert parsed("hi there", "--everyday", "--prompts", str(prompts)) == [
        "hi there", *EVERYDAY_PROMPTS, "good night", "who are you"]


def test_hello_where_no_prompt_is_named():
    assert parsed() == ["hello"]
    assert parsed("what is your name") == ["what is your name"]
