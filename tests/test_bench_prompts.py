"""The benchmarks' prompts: soulterm.player.bench's add_prompt_arguments and chosen_prompts."""

from __future__ import annotations

import argparse

from soulterm.player.bench import EVERYDAY_PROMPTS, add_prompt_arguments, chosen_prompts


def parsed(*argv):
    parser = argparse.ArgumentParser()
    add_prompt_arguments(parser)
    return chosen_prompts(parser.parse_args(list(argv)))


def test_the_texts_then_the_everyday_prompts_then_the_files_in_that_order(tmp_path):
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("# a comment\n\n  good night  \nwho are you\n", encoding="utf-8")
    assert parsed("hi there", "--everyday", "--prompts", str(prompts)) == [
        "hi there", *EVERYDAY_PROMPTS, "good night", "who are you"]


def test_hello_where_no_prompt_is_named():
    assert parsed() == ["hello"]
    assert parsed("what is your name") == ["what is your name"]
