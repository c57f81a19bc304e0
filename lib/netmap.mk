# lib: see Makefile.am
