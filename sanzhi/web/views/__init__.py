"""Staff console views: thin; reads through scoped selectors, writes through services."""
