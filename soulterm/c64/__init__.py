"""soulterm.c64"""
