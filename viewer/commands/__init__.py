"""What a user can do, without Qt: the GUI, the CLI and the tests call the same commands."""
