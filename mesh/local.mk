# mesh: see Makefile.am
