"""Which part of the transformer a sampled PC belongs to, from the build map's symbols.

`kernel_of` names the work a sampled PC is doing, in the words a reader of
the model uses: "matvec q", "attention L1H2", "rmsnorm", "ffn", "logits",
"tokenizer", "printing". Shared routines are resolved through the machine's
state: a matvec by the matrix it runs (the 6502's `fw_desc` descriptor
pointer, the Z80's `mv_w` weights pointer), an attention routine by the layer
and head the program is on, an arithmetic helper by the routine that called
it (a return address on the stack). Each machine's kernels have their own
names and stack, so a Rules record per machine says them (RULES). Symbols
are looked up by name; a build without one of them just attributes less
finely ("other").
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from soulterm.soul.spec import N_HEADS, N_LAYERS
from soulterm.zx.soul_layout import WORD_LIST_SYMBOLS

FILE_MARKERS = ("_start", "_end")     # labels that mark where a file's code begins or ends (vecops_start)
HELPER_DEPTH = 3            # 6502: return addresses to look through for a helper's caller
Z80_STACK_WORDS = 12        # Z80: stack words to look through (helpers push their registers)
Z80_CALLS = frozenset({0xCD, 0xC4, 0xCC, 0xD4, 0xDC, 0xE4, 0xEC, 0xF4, 0xFC})   # CALL nn, CALL cc,nn


@dataclass(frozen=True)
class Rules:
    """One machine's kernels as the attribution sees them."""

    prefix_kinds: tuple[tuple[tuple[str, ...], str], ...]   # routine name prefixes -> kind; the first match wins
    rom: tuple[int, int, str]            # the ROM's addresses and what work they are
    stack: str                           # "6502" | "z80": how return addresses sit on the stack
    matrix_pointer: str                  # the variable that points at the running matvec's matrix
    matrix_prefix: str                   # the labels it may point at start so ...
    matrix_kinds: tuple[tuple[str, str], ...]   # ... and their suffix says their part in the model
    layer: str                           # the byte that names the layer being computed
    head: str                            # ... and the head
    data_labels: tuple[str, ...] = ()    # labels of data among the code's, passed over (the ZX's word list)


C64_RULES = Rules(
    prefix_kinds=(
        (("matvec", "mv_", "run_matvec", "fw_matvec", "fw_run_matvec"), "matvec"),
        (("attention_head", "at_"), "attention"),
        (("rmsnorm", "rn_", "run_rmsnorm", "fw_norm"), "rmsnorm"),
        (("relu_z",), "ffn"),
        (("residual_add",), "residual"),
        (("embed", "em_", "fw_embed"), "embed"),
        (("argmax", "forward_logits", "fw_exact_logit"), "logits"),     # the argmax's bound and scans
        (("tokenize", "tk_", "char_to_id", "spell", "sp_"), "tokenizer"),
        (("show_token", "print", "kernal_out", "kernal_in", "sound_init"), "printing"),
        (("udiv32", "isqrt24", "ar_", "dv_"), "helper"),
        (("forward", "fw_", "reply", "layer_"), "control"),
    ),
    rom=(0xE000, 0x10000, "printing"),   # the KERNAL: printing, reading keys
    stack="6502",
    matrix_pointer="fw_desc",
    matrix_prefix="",
    matrix_kinds=(("_q_desc", "matvec q"), ("_k_desc", "matvec k"), ("_v_desc", "matvec v"),
                  ("_proj_desc", "matvec o"), ("_fc1_desc", "ffn"), ("_fc2_desc", "ffn"),
                  ("logits_matvec", "logits")),
    layer="NOW_LAYER", head="NOW_HEAD",
)

Z80_RULES = Rules(
    prefix_kinds=(
        (("matvec", "mv_", "wp_", "nz_", "nzb_"), "matvec"),    # (wp_: planes.s, the 128K's q, k and v since the 25th
                                        # round; nz_: nzmatvec.s, the 128K's fc2 since the 27th; nzb_: its writing by x's
                                        # bits since the 37th)
        (("attend_head", "at_", "pl_", "kv_"), "attention"),    # (pl_, kv_: the 128K's key planes, kept values)
        (("rmsnorm", "rn_", "fw_norm"), "rmsnorm"),
        (("vec_relu", "fg_", "fw_fc1_planes"), "ffn"),     # (fg_: fc1planes.s and fc1wide.s, the 128K's layer 1 fc1)
        (("vec_add_sat", "fw_residual"), "residual"),
        (("embed", "em_", "fw_embed"), "embed"),
        (("argmax", "am_", "fw_logits_bound", "lg_", "wb_", "fw_logit_planes", "fw_out_"), "logits"),     # the argmax and its
                                        # bound's scan (MV_COARSE); lg_: logitplanes.s, the 128K's since the 26th round;
                                        # wb_: logitbytes48.s, the 48K's one-byte tables since the 36th
        (("tokenize", "tk_", "spell", "sp_"), "tokenizer"),
        (("print", "read_line", "put_", "chat_", "hide_third"), "printing"),    # (the chat window's too)
        (("mul16", "neg32", "div32", "cpl32", "div_negative", "isq", "sat32to16", "sra32", "up_q88",
          "add_sat16"), "helper"),
        (("forward", "fw_", "reply", "think", "show_position", "border_", "prompt", "start", "quit", "record",
          "planes_first", "zx_page"), "control"),       # (record, planes_first, zx_page: the 128K's records, first RUN,
                                        # paging; border_set: show_position's tail, the border showing the position)
    ),
    rom=(0x0000, 0x4000, "ROM"),         # soulterm's ROM: printing, the beeper, the frame interrupt
    stack="z80",
    matrix_pointer="mv_w",
    matrix_prefix="soul_",
    matrix_kinds=(("_q", "matvec q"), ("_k", "matvec k"), ("_v", "matvec v"), ("_proj", "matvec o"),
                  ("_fc1_w", "ffn"), ("_fc2_w", "ffn"), ("soul_out", "logits"),
                  ("soul_out_choosable", "logits")),     # (forward.s's logits' call: from row FW_FIRST_ROW)
    layer="fw_layer_index", head="fw_head",
    data_labels=WORD_LIST_SYMBOLS + ("lg_masks", "lg_masks_top", "lg_masks_low"),   # (on the 128K among bank 6's
                                        # planes.s: the list's labels passed by its rows since zxplanes28, by its code
                                        # before them since the list lies in bank 7, zx128fc1g36; bank 0's out's planes
                                        # 7..4 (forward.s's lg_masks) by planes.s's rows' end since zx128fc1g36)
)

RULES = {"c64": C64_RULES, "zx": Z80_RULES}


class Attribution:
    """Built once per map: sorted code labels for fast PC -> routine look-ups."""

    def __init__(self, symbols: dict[str, int], rules: Rules = C64_RULES) -> None:
        self.rules = rules
        # Code labels only: the tensors' (matrix_prefix) are data, and on the 128K a bank's tensors share
        # their addresses with another bank's code (planes.s in bank 6 among bank 0's).
        tensors = rules.matrix_prefix or None
        # (a file's start and end markers before a routine at the same address: the routine names it,
        # as vecops.s's em_unpack since the 48K's argmax went, twenty-seventh round)
        labels = sorted((a, not n.endswith(FILE_MARKERS), n) for n, a in symbols.items()
                        if a >= 0x0200 and not n.isupper() and "@" not in n and n not in rules.data_labels
                        and not (tensors and n.startswith(tensors)))
        self._addresses = [a for a, _, _ in labels]
        self._names = [n for _, _, n in labels]
        suffixes = tuple(suffix for suffix, _ in rules.matrix_kinds)
        self._matrices = {a: n for n, a in symbols.items() if n.startswith(rules.matrix_prefix) and n.endswith(suffixes)}
        self._matrix_pointer = symbols.get(rules.matrix_pointer)
        self._layer = symbols.get(rules.layer)
        self._head = symbols.get(rules.head)

    def routine_at(self, pc: int) -> str:
        i = bisect.bisect_right(self._addresses, pc) - 1
        return self._names[i] if i >= 0 else ""

    def kind_of_routine(self, name: str) -> str:
        for prefixes, kind in self.rules.prefix_kinds:
            if name.startswith(prefixes):
                return kind
        return "other"

    def kernel_of(self, pc: int, sp: int, ram) -> str:
        """The work the PC at `pc` is doing (stack pointer `sp`, live `ram`)."""
        rom_start, rom_end, rom_kind = self.rules.rom
        if rom_start <= pc < rom_end:
            return rom_kind
        kind = self.kind_of_routine(self.routine_at(pc))
        if kind == "helper":   # whose arithmetic is it?
            kind = self._caller_6502(sp, ram) if self.rules.stack == "6502" else self._caller_z80(sp, ram)
        if kind == "matvec" and self._matrix_pointer is not None:
            matrix = ram[self._matrix_pointer] | ram[self._matrix_pointer + 1] << 8
            name = self._matrices.get(matrix, "")
            for suffix, part in self.rules.matrix_kinds:
                if name.endswith(suffix):
                    return part
        if kind == "attention" and self._layer is not None and self._head is not None:
            layer, head = ram[self._layer], ram[self._head]
            if layer < N_LAYERS and head < N_HEADS:
                return f"attention L{layer}H{head}"
        return kind

    def _caller_6502(self, sp: int, ram) -> str:
        """The first caller that is no helper: helpers push nothing, so the return
        addresses (each one less than the address after its JSR) follow each other."""
        kind = "helper"
        for depth in range(HELPER_DEPTH):
            low = 0x100 + ((sp + 1 + 2 * depth) & 0xFF)
            high = 0x100 + ((sp + 2 + 2 * depth) & 0xFF)
            kind = self.kind_of_routine(self.routine_at(((ram[low] | ram[high] << 8) + 1) & 0xFFFF))
            if kind != "helper":
                break
        return kind

    def _caller_z80(self, sp: int, ram) -> str:
        """Z80 helpers push registers, so the stack is searched: the first word that
        returns after a CALL of a helper into a routine that is no helper is the caller."""
        for depth in range(Z80_STACK_WORDS):
            slot = (sp + 2 * depth) & 0xFFFF
            back = ram[slot] | ram[(slot + 1) & 0xFFFF] << 8
            call = (back - 3) & 0xFFFF
            if ram[call] not in Z80_CALLS:
                continue
            target = ram[(call + 1) & 0xFFFF] | ram[(call + 2) & 0xFFFF] << 8
            if self.kind_of_routine(self.routine_at(target)) != "helper":
                continue
            kind = self.kind_of_routine(self.routine_at(back))
            if kind != "helper":
                return kind
        return "helper"
