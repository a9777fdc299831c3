"""`python -m bot`: the README's run command."""

from bot.entrypoint import main

main()
