"""soulterm.asm"""
