"""Romania: requests for a public debate of a draft (Law 52/2003, art. 7), their decision and meeting."""
