"""soulterm.commands"""
