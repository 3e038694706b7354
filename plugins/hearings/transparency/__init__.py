"""Romania: the annual report on decisional transparency (Law 52/2003, art. 13), from the data."""
