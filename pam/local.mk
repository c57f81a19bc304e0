# pam: see Makefile.am
