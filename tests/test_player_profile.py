"""Cycles per routine: every executed cycle lands on the routine holding its PC."""

import numpy as np

from soulterm.player.harness import CODE_ORIGIN, KernelBench
from soulterm.player.profile import OUTSIDE, CodeSymbols, by_file, counting_pcs, profile_cycles


def _bench_and_symbols():
    bench = KernelBench()
    return bench, CodeSymbols(bench.symbols, CODE_ORIGIN, bench.code_end)


def test_routine_at_uses_the_range_of_the_nearest_routine_below():
    symbols = CodeSymbols({"a": 0x1000, "a@loop": 0x1004, "b": 0x1010, "DATA": 0x8000}, 0x1000, 0x1020)
    assert symbols.routine_at(0x1000) == "a"
    assert symbols.routine_at(0x100F) == "a"          # local labels stay in their routine
    assert symbols.routine_at(0x1010) == "b"
    assert symbols.routine_at(0x1020) == OUTSIDE      # past the code
    assert symbols.routine_at(0x0FFF) == OUTSIDE


def test_a_rmsnorm_call_is_charged_exactly_to_its_routines():
    bench, symbols = _bench_and_symbols()
    sym = bench.sym
    rng = np.random.default_rng(5)
    bench.write_vector(sym("VEC_H"), rng.integers(-3000, 3000, 32))
    bench.poke(0x4000, rng.integers(60, 127, 32))
    bench.poke_word(sym("rn_in"), sym("VEC_H"))
    bench.poke_word(sym("rn_out"), sym("VEC_XN"))
    bench.poke_word(sym("rn_gain"), 0x4000)
    bench.memory[sym("rn_shift")] = 6
    called = []
    routines = profile_cycles(bench.mpu, symbols, lambda: called.append(bench.call("rmsnorm")))
    # The bench adds the 6 cycles of the JSR a real caller executes; the profile saw the rest.
    assert sum(routines.values()) == called[0] - 6
    assert routines["rmsnorm"] > 0 and routines["rn_inverse_root"] > 0
    assert OUTSIDE not in routines
    assert list(routines.values()) == sorted(routines.values(), reverse=True)


def test_cycles_per_file_come_from_the_line_map():
    bench, symbols = _bench_and_symbols()
    with counting_pcs(bench.mpu) as per_pc:
        cycles = bench.call("relu_z")
    lines = [[symbols.code_start, "kernels/arith.s", 1], [bench.sym("relu_z"), "kernels/vecops.s", 1],
             [bench.sym("relu_z") + 1, "kernels/vecops.s", 2]]
    files = by_file(per_pc, symbols, lines)
    assert files == {"kernels/vecops.s": cycles - 6}
    assert "step" not in vars(bench.mpu)              # the CPU is given its own step back


def test_bench_profile_names_a_missing_soul_in_one_line(tmp_path, capsys):
    from soulterm.cli import main

    assert main(["bench", "--profile", "--soul", str(tmp_path / "missing.bin")]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"soulterm bench: soul {tmp_path / 'missing.bin'}: no such file"


def test_bench_profile_reads_a_prompts_file_in_one_line_errors(tmp_path, capsys):
    from soulterm.cli import main

    assert main(["bench", "--profile", "--prompts", str(tmp_path / "none.txt")]) == 1
    assert capsys.readouterr().err.strip() == f"soulterm bench: prompts {tmp_path / 'none.txt'}: no such file"
    only_comments = tmp_path / "empty.txt"
    only_comments.write_text("# nothing here\n\n")
    assert main(["bench", "--profile", "--prompts", str(only_comments)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"soulterm bench: prompts {only_comments}: no prompts") and "\n" not in err


def test_bench_profile_takes_prompts_from_a_file_then_the_command_line(tmp_path, capsys):
    from soulterm.cli import main

    prompts = tmp_path / "prompts.txt"
    prompts.write_text("# two turns\nhi\n\n  bye  \n")
    assert main(["bench", "--profile", "--prompts", str(prompts), "--prompt", "thank you"]) == 0
    out = capsys.readouterr().out
    rows = [line.split("|")[1].strip() for line in out.splitlines() if line.startswith("| `")]
    assert rows[:3] == ["`hi`", "`bye`", "`thank you`"]
    assert "(3 prompts)" in out
