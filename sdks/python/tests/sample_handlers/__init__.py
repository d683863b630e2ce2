"""Handlers found by HandlerRegistry.discover("sample_handlers") in the SDK's tests."""
