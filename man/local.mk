# man: see Makefile.am
