"""Which part of the transformer a 6502 PC belongs to, from the build map's symbols.

`kernel_of` names the work a sampled PC is doing, in the words a reader of
the model uses: "matvec q", "attention L1H2", "rmsnorm", "ffn", "logits",
"tokenizer", "printing". Shared routines are resolved through the machine's
state: a matvec by the descriptor it runs (the `fw_desc` pointer), an
attention routine by the layer and head the program is on (NOW_LAYER /
NOW_HEAD), an arithmetic helper by the routine that called it (the return
address on the stack). Symbols are looked up by name; a build without one of
them just attributes less finely ("other").
"""

from __future__ import annotations

import bisect

KERNAL_START = 0xE000       # the KERNAL ROM: printing, reading keys
HELPER_DEPTH = 3            # return addresses to look through for a helper's caller

# Routine name prefixes -> kind; the first match wins.
PREFIX_KINDS = (
    (("matvec", "mv_", "run_matvec", "fw_matvec", "fw_run_matvec"), "matvec"),
    (("attention_head", "at_"), "attention"),
    (("rmsnorm", "rn_", "run_rmsnorm", "fw_norm"), "rmsnorm"),
    (("relu_z",), "ffn"),
    (("residual_add",), "residual"),
    (("embed", "em_", "fw_embed"), "embed"),
    (("argmax",), "logits"),
    (("tokenize", "tk_", "char_to_id", "spell", "sp_"), "tokenizer"),
    (("show_token", "print", "kernal_out", "kernal_in", "sound_init"), "printing"),
    (("umul8", "mul16u", "udiv32", "sdiv_sat16", "isqrt24", "ar_", "dv_"), "helper"),
    (("forward", "fw_", "reply", "layer_"), "control"),
)
# Matvec descriptor label suffix -> the matrix's part in the model.
DESCRIPTOR_KINDS = (("_q_desc", "matvec q"), ("_k_desc", "matvec k"), ("_v_desc", "matvec v"),
                    ("_proj_desc", "matvec o"), ("_fc1_desc", "ffn"), ("_fc2_desc", "ffn"),
                    ("logits_matvec", "logits"))


class Attribution:
    """Built once per map: sorted code labels for fast PC -> routine look-ups."""

    def __init__(self, symbols: dict[str, int]) -> None:
        labels = sorted((a, n) for n, a in symbols.items()
                        if a >= 0x0200 and not n.isupper() and "@" not in n)
        self._addresses = [a for a, _ in labels]
        self._names = [n for _, n in labels]
        self._descriptors = {a: n for n, a in symbols.items() if n.endswith("_desc") or n == "logits_matvec"}
        self._fw_desc = symbols.get("fw_desc")
        self._layer = symbols.get("NOW_LAYER")
        self._head = symbols.get("NOW_HEAD")

    def routine_at(self, pc: int) -> str:
        i = bisect.bisect_right(self._addresses, pc) - 1
        return self._names[i] if i >= 0 else ""

    def kind_of_routine(self, name: str) -> str:
        for prefixes, kind in PREFIX_KINDS:
            if name.startswith(prefixes):
                return kind
        return "other"

    def kernel_of(self, pc: int, sp: int, ram) -> str:
        """The work the PC at `pc` is doing (stack pointer `sp`, live `ram`)."""
        if pc >= KERNAL_START:
            return "printing"
        kind = self.kind_of_routine(self.routine_at(pc))
        depth = 0
        while kind == "helper" and depth < HELPER_DEPTH:   # whose arithmetic is it?
            slot = 0x100 + ((sp + 1 + 2 * depth) & 0xFF)
            caller = (ram[slot] | ram[0x100 + ((sp + 2 + 2 * depth) & 0xFF)] << 8) + 1
            kind = self.kind_of_routine(self.routine_at(caller & 0xFFFF))
            depth += 1
        if kind == "matvec" and self._fw_desc is not None:
            descriptor = ram[self._fw_desc] | ram[self._fw_desc + 1] << 8
            name = self._descriptors.get(descriptor, "")
            for suffix, part in DESCRIPTOR_KINDS:
                if name.endswith(suffix):
                    return part
        if kind == "attention" and self._layer is not None and self._head is not None:
            layer, head = ram[self._layer], ram[self._head]
            if layer != 0xFF and head != 0xFF:
                return f"attention L{layer}H{head}"
        return kind
