"""TrainConfig: everything a training run depends on, importable without torch.

The TUI's Train dialog (F2) reads these defaults when it opens; keeping them apart
from the trainer means opening it does not wait for torch to import (seconds).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import paths
from .narrowing import ACTIVATION_BITS, NORM_BITS
from .spelling import SHIPPED_SPELLING_CHARS


@dataclass
class TrainConfig:
    """Everything a run depends on; saved with every checkpoint."""

    corpus: str | None = None          # None: the built-in models/corpus.txt
    # The per-user data folder: training never replaces the shipped models/ unless told to.
    output: str = field(default_factory=lambda: str(paths.user_soul_dir()))
    epochs: int = 1200
    eval_every: int = 500
    device: str = "auto"               # auto | cpu | cuda
    seed: int = 1
    fresh: bool = False
    lr: float = 4e-3                   # peak learning rate (AdamW)
    min_lr: float = 1e-4               # cosine decay ends here
    warmup_epochs: int = 20            # at most a tenth of the run
    # Weight decay and prompt noise barely change the score on the corpus
    # (99.8%) but help unseen paraphrases: with 10% of the built-in corpus
    # held out, valid replies rose from 7-11% to 25% and token accuracy
    # from 70% to 86%.
    weight_decay: float = 0.3
    # ~7 updates per epoch on the built-in corpus: 99% of the prompts are
    # answered right after 200 epochs, where one full batch per epoch needs >1000.
    batch_size: int = 128              # 0: the whole corpus in one batch per epoch
    label_smoothing: float = 0.05
    # A prompt with several responses gets one greedy reply; weighting the
    # first response higher keeps the argmax from mixing two of them.
    alternate_weight: float = 0.35
    exact_attention_from: float = 0.6  # fraction of the epochs after which attention uses the LUT
    # Each prompt token is replaced by a random token with this probability
    # (a fresh draw every epoch), so replies depend on more than one word.
    prompt_noise: float = 0.05
    # Noisy wordings (wordings.py: typos, fillers, dropped apostrophes and
    # words, swapped words), drawn once per prompt with the seed; each epoch
    # a row uses its corpus wording with probability clean_share, else one of these.
    # Issue 11's second round: 32 wordings, clean share 0.3 and more typos (0/1/2
    # weighted 0.3/0.45/0.25; were 16 / 0.4 / 0.45-0.4-0.15), with 430 more corpus
    # wordings and 3,000 epochs, took one-typo replies from 66% to 76% (docs/soul.md).
    wordings: int = 32
    clean_share: float = 0.3
    typo_weights: tuple[float, float, float] = (0.3, 0.45, 0.25)   # chances of 0, 1, 2 typos
    # BPE merges only inside words, so they buy whole common words (tokenizer.py).
    word_merges: bool = True
    # Prompt ids a turn keeps (tokenizer.json "prompt_ids"); 0: 17 - the longest
    # reply, so every corpus reply fits after any prompt.
    prompt_budget: int = 0
    # Characters of the tokenizer's word list (tokenizer.json "words", spelling.py):
    # a typed prompt's misspelt words are read as listed words. The list is the
    # corpus prompts' commonest words that fit this many characters, which both
    # machines hold (kernels/tokenizer.s, kernels/z80/tokenizer.s); 0: no list.
    spelling_chars: int = SHIPPED_SPELLING_CHARS
    # Checkpoints are chosen on this many generated wordings per prompt (another
    # seed than training's), by the share answered with their intent's reply.
    dev_wordings: int = 2
    keep_checkpoints: int = 3          # newest kept, besides the best
    probes: tuple[str, ...] = ()       # prompts shown at each evaluation (default: from the corpus)
    # Activation-range penalty (issue 13): kernels/matvec.s multiplies an input within
    # -1664..1663 in a "short" slot (~37 cycles) and a wider one in a "wide" slot (~89).
    # The loss adds range_penalty x the mean squared overshoot of the normalised
    # activations beyond +-range_limit (real units; 6.0 = 1536 in Q8.8 leaves a margin
    # below 1663). 0 turns it off. Only the training changes: the engines' numerics do not.
    range_penalty: float = 0.0
    range_limit: float = 6.0
    # FFN sparsity (issue 13): the loss adds ffn_sparsity x the mean ReLU output (real
    # units, both layers), an L1 push that leaves more of fc2's inputs exactly 0, which
    # kernels/matvec.s's sparse calls skip. 0 turns it off; the numerics do not change.
    ffn_sparsity: float = 0.0
    # Attention sharpness (issue 16, docs/soul.md "Run Z: a soul for the Z80"): the loss adds
    # attention_sharpness x the mean entropy (nats) of every head's attention weights (both layers,
    # every position), which pushes the weights to few positions (the Spectrum's means' walk takes a
    # weight of 0 quicker than one of 2 or more). Measured slower, not faster: sharp weights need large
    # keys, past what the 48K's key planes score (run A5). 0 turns it off; the numerics do not change.
    attention_sharpness: float = 0.0
    # Fixed RMSNorm gains (issue 13): > 0 holds every norm's gains at this value instead
    # of learning them, so a normalised activation is at most sqrt(32) x norm_gain (an
    # RMS of 1 at most): with 1.0 no input of q/k/v, fc1 or the logits is ever "wide",
    # with 0.5 most are "small". The matrices those norms feed (q, k, v, fc1, out) are
    # used and exported as NORM_SCALE / norm_gain times their parameters, so the scale
    # learned gains reach lives in them (model.fix_norm_gains). 0: learned gains.
    # 1.0 is the default since the shipped soul (docs/soul.md, sixth round): as good
    # held out, 35% faster on the C64, and a gain of 2^s that RMSNorm applies for free.
    norm_gain: float = 1.0
    # Narrow activations at export (narrowing.py, issue 13): the norms' outputs are
    # carried 2^narrow_norm_bits smaller and v's and fc1's 2^narrow_activation_bits
    # smaller, the matrices that read them shifting as much less, so that nearly every
    # matmul input takes matvec.s's 29-cycle slot; as good held out (docs/soul.md,
    # seventh round). Fewer bits are used where a shift would leave 0..15; 0, 0: none.
    narrow_norm_bits: int = NORM_BITS
    narrow_activation_bits: int = ACTIVATION_BITS
    # One thread: the tensors are small, and on a shared 2-core machine two
    # spinning OpenMP threads measured 10x slower per epoch than one.
    threads: int = 1                   # torch CPU threads; 0: torch's default
