"""Full-text search over threads, posts and cases that the searcher may see."""
