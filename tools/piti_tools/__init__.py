"""piti-serve tools: network definitions, export, reference sampler and fixtures."""
