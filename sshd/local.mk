# sshd: see Makefile.am
