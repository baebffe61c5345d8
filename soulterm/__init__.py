"""soulterm: a Commodore 64 in the terminal, running a real transformer in 6502 assembly."""

__version__ = "0.1.0"
