"""Developer tools (the matrix, the mutation run): they import `conformance`, never the reverse."""
