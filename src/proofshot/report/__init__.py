"""Report edge: PDF/HTML evidence reports rendered from the diff and views."""
