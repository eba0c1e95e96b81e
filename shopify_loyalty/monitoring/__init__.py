"""What operators watch: worker heartbeats and recent Admin API failures per shop."""
