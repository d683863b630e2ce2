"""Handlers found by HandlerRegistry.discover("tests.sample_handlers") in the SDK's tests."""
