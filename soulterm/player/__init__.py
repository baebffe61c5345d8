"""soulterm.player: the soulplayer program built from kernels/ and a soul.

- `build.build_player(soul, tokenizer, output_dir)`: PRG + D64 + map (`soulterm build`)
- `layout`: the soul and vocabulary as assembler include files (memory layout)
- `disk`: writing and reading the D64 floppy
- `harness.KernelBench`: the kernels on a bare py65 6502, for tests and cycle counts
- `bench`: the cycle tables of `soulterm bench --kernels` / `--program`
"""
