# nsswitch: see Makefile.am
