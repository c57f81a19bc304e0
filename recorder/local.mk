# recorder: see Makefile.am
